/* stack_report.py's test image (bench/footprint/stack_test/run.sh): known
 * frames, one ops table called through a pointer, one address-taken
 * function of another type that the table's call must not reach, one
 * library call. The worst path is main > dispatch > big > memcpy. */
#include <string.h>

typedef void (*log_fn)(const char *s);
struct ops {
    int (*handle)(int x, unsigned char *buf);
};

int main(void);
int dispatch(int i, unsigned char *buf);

static int small(int x, unsigned char *buf)
{
    volatile unsigned char b[16];
    b[x & 15] = buf[0];
    return b[1];
}

static int big(int x, unsigned char *buf)
{
    unsigned char b[300];
    memcpy(b, buf, (size_t)x);
    return ((volatile unsigned char *)b)[x & 255];
}

/* Address-taken, but not of the handler's type: its 360 octets would
 * make it the worst path if the report let dispatch's call reach it. */
static void logger(const char *s)
{
    volatile char b[360];
    b[0] = s[0];
    b[359] = b[0];
}

static const struct ops table[2] = {{small}, {big}};
log_fn volatile the_log = logger;

int dispatch(int i, unsigned char *buf)
{
    volatile unsigned char b[32];
    b[i & 31] = buf[1];
    return table[i & 1].handle(i, buf) + b[2];
}

int main(void)
{
    unsigned char buf[8];
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(*(volatile unsigned *)0x40000000u);
    the_log("x");
    return dispatch(buf[0], buf);
}
