#include "base/status.h"

const char *mst_strerror(int status) {
    switch (status) {
#define MST_STATUS_TEXT(name, value, text)                                     \
    case MST_##name:                                                           \
        return text;
        MST_STATUS_MAP(MST_STATUS_TEXT)
#undef MST_STATUS_TEXT
    }
    return "unknown status";
}

const char *mst_status_name(int status) {
    switch (status) {
#define MST_STATUS_NAME(name, value, text)                                     \
    case MST_##name:                                                           \
        return #name;
        MST_STATUS_MAP(MST_STATUS_NAME)
#undef MST_STATUS_NAME
    }
    return "UNKNOWN";
}
