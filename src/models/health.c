/* Health Server and Health Client (Mesh Profile 4.4.3, 4.4.4). Placeholder
 * so the primary element can carry a Health Server while the messages
 * (4.3.3) are being written: no opcodes yet. */
#include "models/models.h"

const struct bm_model_type bm_health_srv_type = {.company = BM_COMPANY_SIG,
                                                 .id = BM_MODEL_HEALTH_SRV};
const struct bm_model_type bm_health_cli_type = {.company = BM_COMPANY_SIG,
                                                 .id = BM_MODEL_HEALTH_CLI};
