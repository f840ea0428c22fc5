/* unit.csv - RFC 4180 quoting, checked field by field. */
#include "csv.h"
#include "test.h"

static const char *row(const char *const *fields)
{
    static kefu_buf b;
    kefu_buf_reset(&b);
    for (int i = 0; fields[i]; i++)
        kefu_csv_field(&b, fields[i], i == 0);
    kefu_csv_end_row(&b);
    return kefu_buf_cstr(&b);
}

static void test_plain(void)
{
    CHECK_STR(row((const char *[]){"a", "b", "c", NULL}), "a,b,c\r\n");
    CHECK_STR(row((const char *[]){"", "x", NULL}), ",x\r\n");
}

static void test_quoting(void)
{
    CHECK_STR(row((const char *[]){"a,b", NULL}), "\"a,b\"\r\n");
    CHECK_STR(row((const char *[]){"say \"hi\"", NULL}), "\"say \"\"hi\"\"\"\r\n");
    CHECK_STR(row((const char *[]){"line1\nline2", "x", NULL}), "\"line1\nline2\",x\r\n");
    CHECK_STR(row((const char *[]){"cr\r", NULL}), "\"cr\r\"\r\n");
    CHECK_STR(row((const char *[]){" padded ", NULL}), "\" padded \"\r\n");
    CHECK_STR(row((const char *[]){"\"", NULL}), "\"\"\"\"\r\n");
}

static void test_chinese_untouched(void)
{
    CHECK_STR(row((const char *[]){"华光照明", "灯管,不亮", NULL}), "华光照明,\"灯管,不亮\"\r\n");
}

KEFU_TESTS = {
    {"plain", test_plain},
    {"quoting", test_quoting},
    {"chinese_untouched", test_chinese_untouched},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
