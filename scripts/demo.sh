#!/usr/bin/env bash
# The README's main command: a whole mesh in the simulated air (blemesh
# demo), then, to show the decoding tool, the spec's sample Message #6.
set -euo pipefail
bin=$1
shift 2 || true
"$bin" demo "$@"
echo
echo "# blemesh decode: Mesh Profile sample Message #6 (two segments, reassembled)"
"$bin" decode --netkey 7dd7364cd842ad18c17c2b820c84c3d6 --iv-index 0x12345678 \
    --devkey 9d6dd0e96eb25dc19a40ed9914f8f03f:0x1201 \
    68cab5c5348a230afba8c63d4e686364979deaf4fd40961145939cda0e \
    681615b5dd4a846cae0c032bf0746f44f1b8cc8ce5edc57e55beed49c0
