/* Fuzz target: the provisioning link in the device role (see prov_pair.h). */
#include "fuzz_common.h"
#include "prov_pair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_prov_pair_run(BM_PROV_ROLE_DEVICE, data, size);
    return 0;
}
