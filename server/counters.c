#include "counters.h"

static const char *const counter_names[] = {
#define MUSTERD_COUNTER_NAME(name, text) [MUSTERD_COUNTER_##name] = text,
    MUSTERD_COUNTER_MAP(MUSTERD_COUNTER_NAME)
#undef MUSTERD_COUNTER_NAME
};

void musterd_counters_bump(struct musterd_counters *cs,
                           enum musterd_counter c) {
    cs->v[c]++;
}

json_t *musterd_counters_json(const struct musterd_counters *cs) {
    json_t *o = json_object();
    for (int i = 0; o != NULL && i < MUSTERD_COUNTER_COUNT; i++)
        json_object_set_new(o, counter_names[i],
                            json_integer((json_int_t)cs->v[i]));
    return o;
}
