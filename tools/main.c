/* placeholder until the CLI lands */
#include <stdio.h>
int main(void) { puts("blemesh"); return 0; }
