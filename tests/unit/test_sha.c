/* test_sha.c - SHA-1 and SHA-256 against FIPS 180-4 / NIST example vectors. */
#include <stdlib.h>
#include <string.h>

#include "sha.h"
#include "test.h"

typedef struct {
    const char *input;
    const char *sha1;
    const char *sha256;
} vector;

/* The NIST examples: empty, one block, two blocks (448 bits of input). */
static const vector vectors[] = {
    {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"用户投诉", "76000329ecaecb2eb505133dea4444be71c4ed08",
     "58c1ae23ee587dde5ce784f4755ebd042ba698cc6c217083a124541471138109"},
    {NULL, NULL, NULL},
};

/* Runs of 'a' whose lengths sit on the padding boundaries (55/56, 63/64/65, 119/120). */
static const struct {
    size_t len;
    const char *sha1;
    const char *sha256;
} boundaries[] = {
    {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a",
     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699",
     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5",
     "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d",
     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {65, "11655326c708d70319be2610e8a57d9a5b959d3b",
     "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56",
     "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
    {120, "f34c1488385346a55709ba056ddd08280dd4c6d6",
     "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    {1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba",
     "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"},
};

static void test_vectors(void)
{
    char h1[41], h256[65];

    for (const vector *v = vectors; v->input; v++) {
        kefu_sha1_hex(v->input, strlen(v->input), h1);
        kefu_sha256_hex(v->input, strlen(v->input), h256);
        CHECK_STR(h1, v->sha1);
        CHECK_STR(h256, v->sha256);
    }
}

static void test_empty_null_pointer(void)
{
    char h1[41], h256[65];

    kefu_sha1_hex(NULL, 0, h1);
    kefu_sha256_hex(NULL, 0, h256);
    CHECK_STR(h1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK_STR(h256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_padding_boundaries(void)
{
    char buf[1000], h1[41], h256[65];

    memset(buf, 'a', sizeof(buf));
    for (size_t i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
        kefu_sha1_hex(buf, boundaries[i].len, h1);
        kefu_sha256_hex(buf, boundaries[i].len, h256);
        CHECK_STR(h1, boundaries[i].sha1);
        CHECK_STR(h256, boundaries[i].sha256);
    }
}

static void test_million_a(void)
{
    size_t len = 1000000;
    char *buf = malloc(len), h1[41], h256[65];

    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    memset(buf, 'a', len);
    kefu_sha1_hex(buf, len, h1);
    kefu_sha256_hex(buf, len, h256);
    CHECK_STR(h1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    CHECK_STR(h256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(buf);
}

/* The output is exactly 40 / 64 lowercase hex digits and a NUL, nothing past it. */
static void test_output_shape(void)
{
    char h1[48], h256[72];

    memset(h1, 'X', sizeof(h1));
    memset(h256, 'X', sizeof(h256));
    kefu_sha1_hex("abc", 3, h1);
    kefu_sha256_hex("abc", 3, h256);
    CHECK_INT(strlen(h1), 40);
    CHECK_INT(strlen(h256), 64);
    CHECK(h1[41] == 'X');
    CHECK(h256[65] == 'X');
    CHECK(strspn(h1, "0123456789abcdef") == 40);
    CHECK(strspn(h256, "0123456789abcdef") == 64);
}

KEFU_TESTS = {
    {"vectors", test_vectors},
    {"empty_null_pointer", test_empty_null_pointer},
    {"padding_boundaries", test_padding_boundaries},
    {"million_a", test_million_a},
    {"output_shape", test_output_shape},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return kefu_test_main(argc, argv);
}
