/* SPDX-License-Identifier: MIT */
// Both public headers compiled as C++ and used from a C++ translation unit:
// the extern "C" guards, the structs and the enums must all work there.
#include "../pbwire.h"
#include "../wps_messages.h"
#include "../wps_service.h"
#include "../wps_client.h"

int main()
{
    static const unsigned char ping[] = {0x4a, 0x00};
    wps_upstream m;
    size_t off = 0, written = 0;
    unsigned char out[8];
    if (wps_upstream_decode(ping, sizeof ping, &m, 0, &off) != PBW_OK || m.kind != WPS_UP_PING)
        return 1;
    if (wps_upstream_encode(&m, out, sizeof out, &written) != PBW_OK || written != 2)
        return 1;
    if (wps_client_event_name(WPS_CLIENT_EV_OPEN)[0] != 'O')
        return 1;
    return pbw_status_name(PBW_E_UTF8)[0] == 'P' ? 0 : 1;
}
