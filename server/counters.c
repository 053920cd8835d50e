#include "counters.h"

static const char *const counter_names[] = {
#define MST_COUNTER_NAME(name, text) [MST_COUNTER_##name] = text,
    MST_COUNTER_MAP(MST_COUNTER_NAME)
#undef MST_COUNTER_NAME
};

void mst_counters_bump(struct mst_counters *cs, enum mst_counter c) {
    cs->v[c]++;
}

json_t *mst_counters_json(const struct mst_counters *cs) {
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < MST_COUNTER_COUNT; i++)
        json_object_set_new(o, counter_names[i],
                            json_integer((json_int_t)cs->v[i]));
    return o;
}
