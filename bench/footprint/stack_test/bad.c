/* stack_report.py's test image with no bound: a recursion and a
 * variable-length array; the report must name both and fail. */
int main(void);
int walk(int n, const unsigned char *p);
int vla(int n);

int walk(int n, const unsigned char *p)
{
    volatile unsigned char b[8];
    b[0] = p[0];
    if (n > 0)
        return walk(n - 1, (const unsigned char *)b) + b[1];
    return b[0];
}

__attribute__((noinline)) int vla(int n)
{
    volatile unsigned char b[n];
    b[0] = 1;
    return b[0];
}

int main(void)
{
    int n = (int)(*(volatile unsigned *)0x40000000u);
    unsigned char s[2] = {1, 2};
    return walk(n, s) + vla(n);
}
