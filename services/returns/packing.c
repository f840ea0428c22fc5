/*
 * packing.c - the packing list (随箱清单) that goes in every box of a
 * return: the box's label and what it holds, with the policy's Chinese
 * names of categories and components. Pure: no I/O.
 */
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
#include "returns.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *returns_packing_json(const returns_policy *policy, const cJSON *record)
{
    const cJSON *items = kefu_json_get(record, "items"), *box;
    cJSON *out = cJSON_CreateObject(), *boxes;

    cJSON_AddItemToObject(out, "id", cJSON_Duplicate(kefu_json_get(record, "id"), true));
    cJSON_AddItemToObject(out, "customer",
                          cJSON_Duplicate(kefu_json_get(record, "customer"), true));
    cJSON_AddItemToObject(out, "region", cJSON_Duplicate(kefu_json_get(record, "region"), true));
    cJSON_AddItemToObject(out, "regional_manager",
                          cJSON_Duplicate(kefu_json_get(record, "regional_manager"), true));
    cJSON_AddItemToObject(out, "freight_station",
                          cJSON_Duplicate(kefu_json_get(record, "freight_station"), true));
    cJSON_AddNumberToObject(out, "box_count", cJSON_GetArraySize(kefu_json_get(record, "boxes")));
    boxes = cJSON_AddArrayToObject(out, "boxes");
    cJSON_ArrayForEach(box, kefu_json_get(record, "boxes"))
    {
        cJSON *o = cJSON_CreateObject(), *lines;
        const cJSON *line;
        int64_t total = 0;

        cJSON_AddItemToArray(boxes, o);
        cJSON_AddItemToObject(o, "seq", cJSON_Duplicate(kefu_json_get(box, "seq"), true));
        cJSON_AddItemToObject(o, "label", cJSON_Duplicate(kefu_json_get(box, "label"), true));
        lines = cJSON_AddArrayToObject(o, "lines");
        cJSON_ArrayForEach(line, kefu_json_get(box, "lines"))
        {
            int64_t n = 0, q = 0;
            const cJSON *item;
            const char *category, *component, *cat_label, *comp_label;
            cJSON *l = cJSON_CreateObject();

            kefu_json_int(kefu_json_get(line, "line"), &n);
            kefu_json_int(kefu_json_get(line, "quantity"), &q);
            item = n >= 1 ? cJSON_GetArrayItem(items, (int)n - 1) : NULL;
            category = kefu_json_str(item, "category");
            component = kefu_json_str(item, "component");
            returns_policy_labels(policy, category, component, &cat_label, &comp_label);
            cJSON_AddNumberToObject(l, "line", (double)n);
            cJSON_AddItemToObject(l, "model", str_or_null(kefu_json_str(item, "model")));
            cJSON_AddItemToObject(l, "category", str_or_null(category));
            cJSON_AddItemToObject(l, "category_label", str_or_null(cat_label));
            cJSON_AddItemToObject(l, "component", str_or_null(component));
            cJSON_AddItemToObject(l, "component_label", str_or_null(comp_label));
            cJSON_AddNumberToObject(l, "quantity", (double)q);
            cJSON_AddItemToArray(lines, l);
            total += q;
        }
        cJSON_AddNumberToObject(o, "total_quantity", (double)total);
    }
    return out;
}

/* `s`, or `dash` when absent. */
static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

void returns_packing_text(const cJSON *packing, kefu_buf *out)
{
    const cJSON *customer = kefu_json_get(packing, "customer"), *box;
    int count = cJSON_GetArraySize(kefu_json_get(packing, "boxes"));

    cJSON_ArrayForEach(box, kefu_json_get(packing, "boxes"))
    {
        const cJSON *line;
        int64_t seq = 0, total = 0;

        kefu_json_int(kefu_json_get(box, "seq"), &seq);
        kefu_json_int(kefu_json_get(box, "total_quantity"), &total);
        kefu_buf_printf(out, "随箱清单 Packing list\n");
        kefu_buf_printf(out,
                        "箱标 Label: %s    第 %" PRId64 " 箱 / 共 %d 箱 (box %" PRId64 " of %d)\n",
                        or_dash(kefu_json_str(box, "label")), seq, count, seq, count);
        kefu_buf_printf(out, "退货单 Return: %s\n", or_dash(kefu_json_str(packing, "id")));
        kefu_buf_printf(out, "客户 Customer: %s (%s)\n", or_dash(kefu_json_str(customer, "name")),
                        or_dash(kefu_json_str(customer, "short_name")));
        kefu_buf_printf(out, "区域 Region: %s    区域经理 Regional manager: %s\n",
                        or_dash(kefu_json_str(packing, "region")),
                        or_dash(kefu_json_str(packing, "regional_manager")));
        kefu_buf_printf(out, "货运站 Freight station: %s\n",
                        or_dash(kefu_json_str(packing, "freight_station")));
        kefu_buf_printf(out, "行 Line | 型号 Model | 品类 Category | 部件 Component | 数量 Qty\n");
        cJSON_ArrayForEach(line, kefu_json_get(box, "lines"))
        {
            int64_t n = 0, q = 0;
            const char *comp = kefu_json_str(line, "component");

            kefu_json_int(kefu_json_get(line, "line"), &n);
            kefu_json_int(kefu_json_get(line, "quantity"), &q);
            kefu_buf_printf(out, "%" PRId64 " | %s | %s %s | %s %s | %" PRId64 "\n", n,
                            or_dash(kefu_json_str(line, "model")),
                            or_dash(kefu_json_str(line, "category_label")),
                            or_dash(kefu_json_str(line, "category")),
                            kefu_json_str(line, "component_label")
                                ? kefu_json_str(line, "component_label")
                                : "整机",
                            comp ? comp : "(whole unit)", q);
        }
        kefu_buf_printf(out, "合计 Total: %" PRId64 "\n", total);
        kefu_buf_printf(out, "装箱人 Packed by: ________    核对 Checked by: ________\n\n");
    }
}
