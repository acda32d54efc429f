/* SPDX-License-Identifier: MIT */
/*
 * tests/test_build.c - the static inline constructors and names of
 * wps_messages.h and pbwire.h: each message built by a constructor encodes
 * to the bytes libprotobuf's deterministic serialisation gives for the same
 * values (the hex below was produced by python3-protobuf, C++ backend).
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "test.h"
#include "../wps_service.h"

static void check_up(const wps_upstream *m, const char *hex)
{
    uint8_t want[128], got[128];
    size_t n = test_unhex(hex, want), w = 0;
    CHECK_EQ(wps_upstream_size(m), n);
    CHECK_STATUS(wps_upstream_encode(m, got, sizeof got, &w), PBW_OK);
    CHECK(w == n && memcmp(got, want, n) == 0);
}

static void check_down(const wps_downstream *m, const char *hex)
{
    uint8_t want[128], got[128];
    size_t n = test_unhex(hex, want), w = 0;
    CHECK_EQ(wps_downstream_size(m), n);
    CHECK_STATUS(wps_downstream_encode(m, got, sizeof got, &w), PBW_OK);
    CHECK(w == n && memcmp(got, want, n) == 0);
}

static void test_views(void)
{
    static const uint8_t two[] = {1, 2};
    pbw_bytes b = pbw_str("chat");
    CHECK_VIEW(b, "chat");
    b = pbw_str("");
    CHECK(b.len == 0 && b.ptr != NULL);
    b = pbw_str(NULL);
    CHECK(b.len == 0 && b.ptr == NULL);
    b = pbw_mem(two, sizeof two);
    CHECK(b.ptr == two && b.len == 2);
}

static void test_upstream(void)
{
    static const uint8_t bin[] = {1, 2}, any[] = {0x08, 0x01};
    wps_upstream m;

    memset(&m, 0xA5, sizeof m); /* the constructors zero everything else */
    wps_up_join_group(&m, pbw_str("chat"));
    CHECK(wps_up_set_ack_id(&m, 1) == 1);
    check_up(&m, "32080a04636861741001");
    memset(&m, 0xA5, sizeof m);
    wps_up_leave_group(&m, pbw_str("chat"));
    check_up(&m, "3a060a0463686174");
    memset(&m, 0xA5, sizeof m);
    wps_up_send_to_group(&m, pbw_str("chat"), wps_binary(pbw_mem(bin, sizeof bin)));
    CHECK(wps_up_set_ack_id(&m, 7) == 1);
    check_up(&m, "0a0e0a046368617410071a0412020102");
    wps_up_send_to_group(&m, pbw_str("chat"), wps_json(pbw_str("{\"a\":1}")));
    check_up(&m, "0a110a04636861741a0922077b2261223a317d");
    wps_up_send_to_group(&m, pbw_str("chat"), wps_text(pbw_str("hello")));
    CHECK(wps_up_set_ack_id(&m, 1) == 1);
    check_up(&m, "0a110a046368617410011a070a0568656c6c6f");
    memset(&m, 0xA5, sizeof m);
    wps_up_event(&m, pbw_str("order"), wps_protobuf(pbw_str("t/x"), pbw_mem(any, sizeof any)));
    check_up(&m, "2a140a056f72646572120b1a090a03742f7812020801");
    CHECK(wps_up_set_ack_id(&m, 3) == 1 && m.u.event.has_ack_id && m.u.event.ack_id == 3);
    memset(&m, 0xA5, sizeof m);
    wps_up_sequence_ack(&m, 300);
    check_up(&m, "420308ac02");
    CHECK(wps_up_set_ack_id(&m, 1) == 0); /* no ack id in this kind */
    check_up(&m, "420308ac02");
    memset(&m, 0xA5, sizeof m);
    wps_up_ping(&m);
    check_up(&m, "4a00");
    /* the kinds that share the group request shape */
    wps_up_join_group(&m, pbw_str("g"));
    m.kind = WPS_UP_SUBSCRIBE_GROUP_STATE;
    CHECK(wps_up_set_ack_id(&m, 9) == 1 && m.u.subscribe_group_state.has_ack_id &&
          m.u.subscribe_group_state.ack_id == 9);
    m.kind = WPS_UP_SET_GROUP_STATE;
    CHECK(wps_up_set_ack_id(&m, 10) == 1 && m.u.set_group_state.ack_id == 10);
}

static void test_downstream(void)
{
    wps_downstream m;

    memset(&m, 0xA5, sizeof m);
    wps_down_ack(&m, 5);
    check_down(&m, "0a0408051001");
    memset(&m, 0xA5, sizeof m);
    wps_down_ack_error(&m, 5, pbw_str("Duplicate"), pbw_str("m"));
    check_down(&m, "0a1208051a0e0a094475706c696361746512016d");
    memset(&m, 0xA5, sizeof m);
    wps_down_server_data(&m, wps_text(pbw_str("hi")));
    check_down(&m, "120e0a067365727665721a040a026869");
    memset(&m, 0xA5, sizeof m);
    wps_down_group_data(&m, pbw_str("chat"), wps_text(pbw_str("hello")));
    CHECK(wps_down_set_sequence_id(&m, 42) == 1);
    check_down(&m, "12180a0567726f757012046368617" "41a070a0568656c6c6f202a");
    memset(&m, 0xA5, sizeof m);
    wps_down_connected(&m, pbw_str("c"), pbw_str("u"), pbw_str("t"));
    check_down(&m, "1a0b0a090a01631201751a0174");
    CHECK(wps_down_set_sequence_id(&m, 1) == 0);
    memset(&m, 0xA5, sizeof m);
    wps_down_connected(&m, pbw_str("c"), pbw_str(""), pbw_mem(NULL, 0));
    check_down(&m, "1a050a030a0163");
    memset(&m, 0xA5, sizeof m);
    wps_down_disconnected(&m, pbw_str("bye"));
    check_down(&m, "1a0712051203627965");
    memset(&m, 0xA5, sizeof m);
    wps_down_pong(&m);
    check_down(&m, "2200");
}

static void test_names(void)
{
    static const uint8_t frame[] = {0x0a, 0x11, 0x0a, 0x04, 'c', 'h', 'a', 't', 0x10, 0x01,
                                    0x1a, 0x07, 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o'};
    wps_upstream up;
    unsigned k;
    CHECK_STATUS(wps_upstream_decode(frame, sizeof frame, &up, 0, NULL), PBW_OK);
    CHECK(strcmp(wps_upstream_kind_name(up.kind), "sendToGroupMessage") == 0);
    CHECK(strcmp(wps_data_kind_name(up.u.send_to_group.data.kind), "text") == 0);
    CHECK(strcmp(wps_downstream_kind_name(WPS_DOWN_GROUP_STATE_SNAPSHOT),
                 "groupStateSnapshotMessage") == 0);
    CHECK(strcmp(wps_system_kind_name(WPS_SYSTEM_DISCONNECTED), "disconnectedMessage") == 0);
    CHECK(strcmp(wps_stream_event_name(WPS_EV_PAYLOAD_DISCARD), "PAYLOAD_DISCARD") == 0);
    /* every value in range has its own name; out of range is "?" */
    for (k = 0; k < 40; k++) {
        const char *u = wps_upstream_kind_name((wps_up_kind)k);
        const char *d = wps_downstream_kind_name((wps_down_kind)k);
        wps_upstream probe;
        size_t sz;
        memset(&probe, 0, sizeof probe);
        probe.kind = (wps_up_kind)k;
        /* the encoder refuses exactly the kinds without a name */
        CHECK((strcmp(u, "?") == 0) ==
              (wps_upstream_encode(&probe, NULL, 0, &sz) == PBW_E_ARG));
        CHECK(u != NULL && d != NULL);
    }
    CHECK(strcmp(wps_data_kind_name((wps_data_kind)5), "?") == 0);
    CHECK(strcmp(wps_stream_event_name((wps_stream_event_type)0), "?") == 0);
}

/* wps_service.h section 5: the gateway steps. */
static void test_gateway(void)
{
    wps_upstream up;
    wps_downstream down;
    wps_data_message dm;
    uint8_t plain[256], with_seq[256], head[WPS_JSON_SEQ_HEAD_MAX], got[512];
    size_t np, ns, n, frame_len, total, i;
    pbw_bytes iov[2];
    wps_iovec v[2];
    int fds[2];

    /* the JSON splice equals the rendering with the sequence id */
    wps_down_group_data(&down, pbw_str("chat"), wps_text(pbw_str("hi \"you\"")));
    dm = down.u.data;
    CHECK_STATUS(wps_json_client_write(&dm, NULL, plain, sizeof plain, &np), PBW_OK);
    dm.has_sequence_id = 1;
    dm.sequence_id = 18446744073709551615ull;
    CHECK_STATUS(wps_json_client_write(&dm, NULL, with_seq, sizeof with_seq, &ns), PBW_OK);
    CHECK_EQ(wps_json_client_receiver(pbw_mem(plain, np), 0, 7, head, iov, &frame_len), 1);
    CHECK(iov[0].ptr == plain && iov[0].len == np && frame_len == np);
    CHECK_EQ(wps_json_client_receiver(pbw_mem(plain, np), 1, dm.sequence_id, head, iov,
                                      &frame_len), 2);
    CHECK(frame_len == ns && iov[0].ptr == head && iov[1].ptr == plain + 1);
    memcpy(got, iov[0].ptr, iov[0].len);
    memcpy(got + iov[0].len, iov[1].ptr, iov[1].len);
    CHECK(memcmp(got, with_seq, ns) == 0);
    CHECK_EQ(wps_json_client_receiver(pbw_mem(with_seq + 1, ns - 1), 1, 1, head, iov,
                                      &frame_len), 0);
    CHECK_EQ(wps_json_client_receiver(pbw_mem(NULL, 0), 0, 1, head, iov, &frame_len), 0);
    CHECK(frame_len == 0);

    /* wps_iovec is struct iovec's layout: writev() takes it */
    CHECK(sizeof(wps_iovec) == sizeof(struct iovec) &&
          offsetof(wps_iovec, iov_base) == offsetof(struct iovec, iov_base) &&
          offsetof(wps_iovec, iov_len) == offsetof(struct iovec, iov_len));
    wps_json_client_receiver(pbw_mem(plain, np), 1, dm.sequence_id, head, iov, &frame_len);
    total = wps_iovec_of(v, iov, 2);
    CHECK(total == ns && v[0].iov_base == (void *)head && v[1].iov_len == np - 1);
    if (pipe(fds) == 0) {
        ssize_t w = writev(fds[1], (const struct iovec *)(const void *)v, 2);
        ssize_t r = read(fds[0], got, sizeof got);
        CHECK(w == (ssize_t)ns && r == (ssize_t)ns && memcmp(got, with_seq, ns) == 0);
        close(fds[0]);
        close(fds[1]);
    } else {
        CHECK(!"pipe");
    }
    CHECK_EQ(wps_iovec_of(v, iov, 0), 0);

    /* the ack back to the sender */
    wps_up_send_to_group(&up, pbw_str("chat"), wps_text(pbw_str("x")));
    memset(&down, 0xA5, sizeof down);
    CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 0);
    CHECK(down.kind != WPS_DOWN_ACK); /* untouched */
    wps_up_set_ack_id(&up, 0); /* 0 is a real ack id */
    CHECK(wps_ack_for(&down, &up, pbw_mem(NULL, 0), pbw_mem(NULL, 0)) == 1);
    check_down(&down, "0a021001");
    wps_up_join_group(&up, pbw_str("g"));
    wps_up_set_ack_id(&up, 5);
    CHECK(wps_ack_for(&down, &up, pbw_str("Duplicate"), pbw_str("m")) == 1);
    check_down(&down, "0a1208051a0e0a094475706c696361746512016d");
    for (i = 0; i < 4; i++) {
        static const wps_up_kind kinds[] = {WPS_UP_LEAVE_GROUP, WPS_UP_SUBSCRIBE_GROUP_STATE,
                                            WPS_UP_UNSUBSCRIBE_GROUP_STATE, WPS_UP_EVENT};
        wps_up_join_group(&up, pbw_str("g"));
        if (kinds[i] == WPS_UP_EVENT)
            wps_up_event(&up, pbw_str("e"), wps_text(pbw_str("t")));
        up.kind = kinds[i];
        CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 0);
        wps_up_set_ack_id(&up, 9 + i);
        CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 1 &&
              down.u.ack.ack_id == 9 + i && down.u.ack.success);
    }
    memset(&up, 0, sizeof up);
    up.kind = WPS_UP_SET_GROUP_STATE;
    CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 0);
    up.u.set_group_state.has_ack_id = 1;
    up.u.set_group_state.ack_id = 300;
    CHECK(wps_ack_for(&down, &up, pbw_str("Forbidden"), pbw_str("")) == 1 &&
          down.u.ack.ack_id == 300 && !down.u.ack.success && down.u.ack.has_error);
    wps_up_ping(&up);
    CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 0);
    wps_up_sequence_ack(&up, 1);
    CHECK(wps_ack_for(&down, &up, pbw_str(""), pbw_str("")) == 0);
    (void)n;
}

/* WPS_ENCODE_SORTED_MAPS: a caller's unsorted map with a repeated key, and
 * the same map decoded (libprotobuf's bytes: python3-protobuf,
 * deterministic). */
static void check_hex(const uint8_t *got, size_t n, const char *hex)
{
    uint8_t want[256];
    size_t m = test_unhex(hex, want);
    CHECK_MEM(got, n, want, m);
}
#define CHECK_BYTES(p, n, hex) check_hex((p), (n), (hex))

static void test_sorted_maps(void)
{
    static const char *want = "2a230a016522050a0012017a22060a016112013222070a02616212013422060a0162120133";
    wps_kv kv[5];
    wps_upstream m, d;
    uint8_t buf[128], again[128];
    size_t n = 0, n2 = 0;

    kv[0].key = pbw_str("b"), kv[0].value = pbw_str("1");
    kv[1].key = pbw_str("ab"), kv[1].value = pbw_str("4");
    kv[2].key = pbw_str("a"), kv[2].value = pbw_str("2");
    kv[3].key = pbw_str("b"), kv[3].value = pbw_str("3"); /* the later "b" wins */
    kv[4].key = pbw_str(""), kv[4].value = pbw_str("z");
    memset(&m, 0, sizeof m);
    m.kind = WPS_UP_EVENT;
    m.u.event.event = pbw_str("e");
    m.u.event.metadata.entries = kv;
    m.u.event.metadata.count = 5;
    test_context("sorted maps");
    CHECK_STATUS(wps_upstream_encode_flags(&m, WPS_ENCODE_SORTED_MAPS, NULL, 0, &n),
                 PBW_E_NOSPACE);
    CHECK_EQ(n, strlen(want) / 2);
    CHECK_STATUS(wps_upstream_encode_flags(&m, WPS_ENCODE_SORTED_MAPS, buf, 10, &n),
                 PBW_E_NOSPACE);
    CHECK_EQ(n, strlen(want) / 2);
    CHECK_STATUS(wps_upstream_encode_flags(&m, WPS_ENCODE_SORTED_MAPS, buf, sizeof buf, &n),
                 PBW_OK);
    CHECK_BYTES(buf, n, want);
    /* without the flag: the caller's order, every entry */
    CHECK_STATUS(wps_upstream_encode_flags(&m, 0, NULL, 0, &n2), PBW_E_NOSPACE);
    CHECK_EQ(n2, wps_upstream_size(&m));
    CHECK(wps_upstream_size(&m) == n + 8); /* the first "b" entry too */
    /* decoded from the unsorted bytes, then re-encoded sorted: the same */
    CHECK_STATUS(wps_upstream_encode(&m, again, sizeof again, &n2), PBW_OK);
    CHECK_STATUS(wps_upstream_decode(again, n2, &d, 0, NULL), PBW_OK);
    CHECK(d.u.event.metadata.entries == NULL && d.u.event.metadata.count == 5);
    CHECK_STATUS(wps_upstream_encode_flags(&d, WPS_ENCODE_SORTED_MAPS, buf, sizeof buf, &n),
                 PBW_OK);
    CHECK_BYTES(buf, n, want);
    /* no map: the same bytes as without the flag */
    wps_up_ping(&m);
    CHECK_STATUS(wps_upstream_encode_flags(&m, WPS_ENCODE_SORTED_MAPS, buf, sizeof buf, &n),
                 PBW_OK);
    CHECK_BYTES(buf, n, "4a00");
    {
        wps_downstream pong;
        wps_down_pong(&pong);
        CHECK_STATUS(wps_downstream_encode_flags(&pong, WPS_ENCODE_SORTED_MAPS, buf, sizeof buf,
                                                 &n), PBW_OK);
        CHECK_BYTES(buf, n, "2200");
    }
}

void suite_build(void)
{
    test_sorted_maps();
    test_gateway();
    test_views();
    test_upstream();
    test_downstream();
    test_names();
}
