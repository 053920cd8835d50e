#include "base/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/status.h"

int64_t mst_now_ms(void) {
    return mst_now_us() / 1000;
}

int64_t mst_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t mst_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mst_sleep_ms(int64_t ms) {
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
                          .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int mst_id_new(char id[MST_ID_LEN]) {
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return MST_EIO;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        id[2 * i] = hex[raw[i] >> 4];
        id[2 * i + 1] = hex[raw[i] & 15];
    }
    id[32] = '\0';
    return MST_OK;
}

uint64_t mst_hash_seed(void) {
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = (uint64_t)mst_now_us() * 0x9e3779b97f4a7c15ULL;
    return seed;
}

uint64_t mst_hash(uint64_t seed, const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    h ^= h >> 33; /* fold the high bits into the ones a mask keeps */
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

size_t mst_strlcpy(char *dst, const char *src, size_t size) {
    size_t len = strlen(src);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

int mst_parse_int(const char *text, long long min, long long max,
                  long long *out_r) {
    if (text == NULL || *text == '\0')
        return MST_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return MST_EINVAL;
    *out_r = v;
    return MST_OK;
}

int mst_parse_seconds(const char *text, int64_t max_ms, int64_t *out_ms_r) {
    if (text == NULL || *text == '\0')
        return MST_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 ||
        v * 1000.0 > (double)max_ms)
        return MST_EINVAL;
    *out_ms_r = mst_round_ms(v * 1000.0);
    return MST_OK;
}

int64_t mst_round_ms(double ms) {
    int64_t whole = (int64_t)ms;
    return ms - (double)whole >= 0.5 ? whole + 1 : whole;
}

int mst_is_name(const char *s, size_t max) {
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok || n >= max)
            return 0;
    }
    return n > 0;
}

int mst_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}
