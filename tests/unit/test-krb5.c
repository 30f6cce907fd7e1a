/* test-krb5.c — Kerberos messages from real captures (bytes taken from
 * zeek/krb/kinit.pcap, ndpi/kerberos-error.pcap and ndpi/kerberos.pcap in the
 * public set; expected values read from tshark 4.0 on the same frames), the
 * TCP record path (random chunking, several records per segment, gaps,
 * oversize records), request/reply pairing, and every vector cut at every
 * length (TRUNCATED, never a crash or a leak). */
#include "dissectors/krb5/krb5.h"
#include "dissectors/der/der.h"

#include "tw-test.h"

/* kinit.pcap frames 1 (AS-REQ), 2 (AS-REP), 71 (TGS-REQ), 139 (KRB-ERROR 25),
 * 159 (KRB-ERROR 18), 76 (KRB-ERROR 6); kerberos-error.pcap frame 2 (KRB-ERROR
 * 52); kerberos.pcap frame 32 TCP payload (record mark + KRB-ERROR 13 with
 * KERB-EXT-ERROR 0xc00000bb). */
static const guint8 v_as_req[] = {
    0x6a, 0x81, 0xaf, 0x30, 0x81, 0xac, 0xa1, 0x03, 0x02, 0x01, 0x05, 0xa2, 0x03, 0x02, 0x01, 0x0a,
    0xa3, 0x0e, 0x30, 0x0c, 0x30, 0x0a, 0xa1, 0x04, 0x02, 0x02, 0x00, 0x95, 0xa2, 0x02, 0x04, 0x00,
    0xa4, 0x81, 0x8f, 0x30, 0x81, 0x8c, 0xa0, 0x07, 0x03, 0x05, 0x00, 0x00, 0x00, 0x00, 0x10, 0xa1,
    0x23, 0x30, 0x21, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x1a, 0x30, 0x18, 0x1b, 0x16, 0x76, 0x61,
    0x6c, 0x69, 0x64, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63,
    0x69, 0x70, 0x61, 0x6c, 0xa2, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45,
    0x54, 0xa3, 0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06,
    0x6b, 0x72, 0x62, 0x74, 0x67, 0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45,
    0x54, 0xa5, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x35, 0x30, 0x31, 0x31, 0x39, 0x32, 0x32, 0x35,
    0x34, 0x35, 0x39, 0x5a, 0xa7, 0x06, 0x02, 0x04, 0x78, 0x05, 0xa1, 0xeb, 0xa8, 0x14, 0x30, 0x12,
    0x02, 0x01, 0x12, 0x02, 0x01, 0x11, 0x02, 0x01, 0x10, 0x02, 0x01, 0x17, 0x02, 0x01, 0x19, 0x02,
    0x01, 0x1a,
};
static const guint8 v_as_rep[] = {
    0x6b, 0x82, 0x02, 0xe4, 0x30, 0x82, 0x02, 0xe0, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02,
    0x01, 0x0b, 0xa2, 0x39, 0x30, 0x37, 0x30, 0x35, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x2e, 0x04,
    0x2c, 0x30, 0x2a, 0x30, 0x28, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x21, 0x1b, 0x1f, 0x56, 0x4c,
    0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x5f, 0x63, 0x6c, 0x69,
    0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0xa3, 0x0b, 0x1b,
    0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa4, 0x23, 0x30, 0x21, 0xa0, 0x03,
    0x02, 0x01, 0x01, 0xa1, 0x1a, 0x30, 0x18, 0x1b, 0x16, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x5f, 0x63,
    0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0xa5,
    0x82, 0x01, 0x4c, 0x61, 0x82, 0x01, 0x48, 0x30, 0x82, 0x01, 0x44, 0xa0, 0x03, 0x02, 0x01, 0x05,
    0xa1, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa2, 0x1e, 0x30,
    0x1c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62, 0x74,
    0x67, 0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa3, 0x82, 0x01,
    0x0e, 0x30, 0x82, 0x01, 0x0a, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x03, 0x02, 0x01, 0x01, 0xa2,
    0x81, 0xfd, 0x04, 0x81, 0xfa, 0x26, 0x66, 0x73, 0x61, 0xd3, 0x60, 0x58, 0xbc, 0x24, 0x9e, 0x02,
    0xeb, 0x4e, 0xd7, 0x2c, 0x44, 0xf0, 0xfc, 0x01, 0x43, 0xa2, 0x14, 0x30, 0xe9, 0xb7, 0x0d, 0xe8,
    0x4a, 0x8e, 0x34, 0x1f, 0x19, 0xef, 0x4a, 0x90, 0x8b, 0xb5, 0x70, 0x23, 0xd2, 0x9c, 0x79, 0x2d,
    0x15, 0xa7, 0x19, 0xf7, 0x4d, 0x03, 0x6e, 0xa4, 0x0f, 0xed, 0x69, 0x75, 0xe4, 0x5f, 0x7e, 0xad,
    0x1d, 0x02, 0x88, 0x6e, 0x09, 0x24, 0xed, 0xd3, 0xb9, 0x7e, 0x88, 0x59, 0x51, 0xf8, 0x86, 0x6a,
    0x2d, 0x23, 0x6d, 0x19, 0xde, 0x29, 0x86, 0x0b, 0x5c, 0x26, 0x3c, 0xd4, 0xed, 0x19, 0x08, 0xe7,
    0xea, 0x8e, 0x8a, 0x0c, 0xb6, 0x71, 0x75, 0xdc, 0x85, 0x93, 0xa3, 0xc1, 0x6c, 0xea, 0x98, 0x03,
    0x80, 0xeb, 0xd5, 0xf0, 0x3f, 0x0d, 0x4b, 0x3e, 0x0c, 0x4a, 0xbf, 0x54, 0x6a, 0x59, 0xd9, 0x03,
    0xe3, 0x2b, 0x8e, 0x5f, 0xfc, 0x7b, 0x76, 0x6a, 0xfd, 0x30, 0xf7, 0xf9, 0x99, 0x8d, 0x25, 0xcf,
    0x7b, 0x1e, 0xbe, 0xe0, 0x3a, 0xfc, 0x8e, 0x85, 0x4a, 0x29, 0x6f, 0x37, 0x3a, 0x5e, 0x94, 0x47,
    0xa3, 0x4b, 0xf3, 0x7a, 0x8c, 0x7c, 0x26, 0xbb, 0x46, 0x6e, 0xf7, 0x9e, 0xcf, 0xb0, 0xdb, 0x9b,
    0x9e, 0xc7, 0xaf, 0xd3, 0x11, 0x6c, 0x67, 0xc0, 0x6e, 0x1b, 0x9a, 0x43, 0x05, 0x9d, 0x67, 0xa5,
    0x20, 0xe4, 0x66, 0xbe, 0xa5, 0x51, 0x1a, 0x8e, 0x96, 0xae, 0x53, 0x5c, 0x45, 0xce, 0xcc, 0x9c,
    0xff, 0xd2, 0x8d, 0x00, 0x4f, 0xd7, 0xf0, 0xda, 0xd4, 0xb6, 0x50, 0x2a, 0xb3, 0x79, 0xbf, 0x6f,
    0x52, 0xf7, 0x29, 0xcd, 0x37, 0x9d, 0x86, 0xa5, 0x9d, 0x24, 0x04, 0xc1, 0x75, 0x33, 0x56, 0x74,
    0xfd, 0xb8, 0x00, 0xe8, 0x17, 0xa0, 0x74, 0xb8, 0x3f, 0x96, 0x21, 0x36, 0xf7, 0x09, 0xd1, 0xa6,
    0x82, 0x01, 0x15, 0x30, 0x82, 0x01, 0x11, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa2, 0x82, 0x01, 0x08,
    0x04, 0x82, 0x01, 0x04, 0xc0, 0xe9, 0xbc, 0x01, 0x95, 0x9d, 0x9e, 0x9f, 0x9f, 0xee, 0x59, 0x93,
    0x4f, 0xb4, 0xf1, 0x2d, 0x57, 0xfb, 0x18, 0x90, 0xbb, 0x0d, 0x86, 0xa8, 0xd3, 0xc3, 0xc8, 0x8f,
    0xfa, 0x8a, 0x95, 0x3a, 0xbd, 0x0a, 0x0a, 0x0c, 0x1e, 0x3c, 0xf3, 0x67, 0x62, 0xe8, 0xaf, 0x14,
    0xc6, 0x4f, 0xca, 0x04, 0x25, 0x4c, 0x93, 0x2b, 0xa0, 0x43, 0x26, 0xcb, 0xc9, 0xe7, 0xe0, 0x13,
    0x63, 0xb6, 0xee, 0xa0, 0xbf, 0xc1, 0x14, 0x5d, 0x03, 0x2b, 0x04, 0xdc, 0x13, 0x22, 0x99, 0x4f,
    0xbb, 0xce, 0xf4, 0x60, 0x18, 0x6f, 0x53, 0x96, 0x08, 0x19, 0xa0, 0xd3, 0x7f, 0x05, 0x07, 0xe4,
    0x9a, 0x36, 0xa4, 0x4b, 0x8a, 0x65, 0x5d, 0xc7, 0x02, 0x2c, 0x6b, 0xab, 0x76, 0x07, 0x41, 0x24,
    0x76, 0x81, 0xba, 0x83, 0x3f, 0x07, 0xaa, 0x0a, 0x85, 0x89, 0x61, 0x5b, 0x89, 0x2b, 0xbe, 0xf7,
    0xe5, 0x64, 0x26, 0x5a, 0x9c, 0x87, 0xee, 0x3d, 0x61, 0xef, 0xe4, 0x18, 0x1f, 0x70, 0x95, 0x0f,
    0x3d, 0x4b, 0xa2, 0x26, 0xb3, 0x73, 0x35, 0xc1, 0xef, 0x54, 0x78, 0x9b, 0xc8, 0xf3, 0x82, 0x47,
    0x92, 0xa6, 0xa9, 0x8a, 0xb6, 0xc2, 0x45, 0xaf, 0xe8, 0xad, 0xec, 0x16, 0x10, 0x2c, 0xd5, 0xb6,
    0xf5, 0xc4, 0x84, 0xfc, 0xf5, 0xb2, 0x31, 0x13, 0xb3, 0x06, 0xf8, 0x2f, 0xf7, 0x73, 0x59, 0xf5,
    0x54, 0x2e, 0x4f, 0x75, 0xcf, 0xf2, 0x2a, 0x32, 0xb6, 0x3c, 0x1d, 0x60, 0x59, 0xe3, 0xd8, 0x88,
    0x69, 0x4c, 0x41, 0x07, 0x21, 0x28, 0x40, 0x2e, 0x7d, 0x7d, 0xe9, 0x20, 0x3b, 0x90, 0xd3, 0xe0,
    0xd2, 0xeb, 0x26, 0x02, 0xaa, 0xc9, 0xd3, 0xcd, 0xe6, 0x62, 0x61, 0x0d, 0x7c, 0x2d, 0xdf, 0x88,
    0xf3, 0xd3, 0xb9, 0xe4, 0x53, 0xd4, 0xd7, 0x04, 0xbc, 0x96, 0x70, 0x17, 0x59, 0x53, 0x15, 0x2d,
    0xf9, 0xc8, 0x9b, 0xfd, 0x00, 0x3c, 0xc1, 0x43,
};
static const guint8 v_tgs_req[] = {
    0x6c, 0x82, 0x03, 0x9c, 0x30, 0x82, 0x03, 0x98, 0xa1, 0x03, 0x02, 0x01, 0x05, 0xa2, 0x03, 0x02,
    0x01, 0x0c, 0xa3, 0x82, 0x03, 0x1f, 0x30, 0x82, 0x03, 0x1b, 0x30, 0x82, 0x02, 0x42, 0xa1, 0x03,
    0x02, 0x01, 0x01, 0xa2, 0x82, 0x02, 0x39, 0x04, 0x82, 0x02, 0x35, 0x6e, 0x82, 0x02, 0x31, 0x30,
    0x82, 0x02, 0x2d, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x0e, 0xa2, 0x07, 0x03,
    0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa3, 0x82, 0x01, 0x4c, 0x61, 0x82, 0x01, 0x48, 0x30, 0x82,
    0x01, 0x44, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47,
    0x2e, 0x4e, 0x45, 0x54, 0xa2, 0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30,
    0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62, 0x74, 0x67, 0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47,
    0x2e, 0x4e, 0x45, 0x54, 0xa3, 0x82, 0x01, 0x0e, 0x30, 0x82, 0x01, 0x0a, 0xa0, 0x03, 0x02, 0x01,
    0x12, 0xa1, 0x03, 0x02, 0x01, 0x01, 0xa2, 0x81, 0xfd, 0x04, 0x81, 0xfa, 0x7b, 0x9f, 0x59, 0xd0,
    0x66, 0x8d, 0x53, 0xf4, 0x49, 0x88, 0x04, 0xfa, 0xc1, 0xd8, 0x6d, 0xa2, 0xb7, 0x2b, 0xbb, 0x19,
    0xca, 0x67, 0x0c, 0x13, 0xd1, 0x67, 0x2a, 0xfc, 0x18, 0xd1, 0xb1, 0x80, 0x21, 0xbd, 0x85, 0xec,
    0xf9, 0x9b, 0xfa, 0x2d, 0x18, 0xb6, 0xf5, 0x68, 0x91, 0xe7, 0x99, 0xf4, 0xdb, 0x93, 0xa0, 0xc7,
    0x90, 0x1e, 0xa9, 0x95, 0x76, 0xd3, 0x12, 0xfa, 0x2c, 0x39, 0x1d, 0x0b, 0xd0, 0xa1, 0xd2, 0x35,
    0x0f, 0x1f, 0x5b, 0x47, 0xdf, 0xd0, 0xbb, 0x64, 0x06, 0x24, 0x32, 0xd1, 0xae, 0x13, 0x30, 0x71,
    0x5a, 0x69, 0x59, 0x07, 0x40, 0xe9, 0xf9, 0xff, 0xa4, 0x9a, 0xd4, 0x09, 0xf0, 0x0d, 0xc1, 0x52,
    0x10, 0x4d, 0xbd, 0x4b, 0x4f, 0x56, 0xfd, 0xf6, 0x13, 0xf6, 0x9a, 0x95, 0x4e, 0xdf, 0x21, 0xf6,
    0x78, 0x94, 0xd8, 0x6a, 0xa5, 0xdc, 0x70, 0xa8, 0x04, 0x99, 0x02, 0x78, 0xdb, 0x24, 0xd8, 0xfa,
    0x5f, 0x6f, 0x8d, 0x56, 0xc8, 0x0a, 0xfe, 0x00, 0xf3, 0x26, 0x63, 0x0c, 0x38, 0xd1, 0xd0, 0xe9,
    0x8e, 0xab, 0xfe, 0x26, 0xfe, 0x00, 0x8d, 0x24, 0x98, 0x49, 0xe5, 0x8d, 0x94, 0x72, 0x4d, 0x34,
    0x25, 0xd8, 0xfe, 0xa9, 0x08, 0x06, 0xc6, 0x95, 0x48, 0x37, 0xf7, 0x48, 0x43, 0x71, 0xb9, 0x0d,
    0x24, 0x95, 0x3f, 0x83, 0x42, 0x82, 0xdd, 0xea, 0xc3, 0x66, 0x33, 0xcc, 0xbb, 0x09, 0x0d, 0x2d,
    0x09, 0x3b, 0xa6, 0x69, 0x25, 0xcd, 0xba, 0x11, 0xd4, 0xe0, 0x12, 0x77, 0xd0, 0x47, 0x26, 0xda,
    0x6a, 0x82, 0x7f, 0x3b, 0xf3, 0x1d, 0x10, 0xa4, 0x6c, 0x06, 0x16, 0x6c, 0x1b, 0x63, 0xa1, 0xd1,
    0x15, 0x21, 0x00, 0x8a, 0xff, 0x8a, 0x06, 0xe7, 0x55, 0x5e, 0x3a, 0x3c, 0x64, 0xba, 0x22, 0x02,
    0x49, 0xf0, 0xce, 0xc7, 0xad, 0xb2, 0xa4, 0x81, 0xc7, 0x30, 0x81, 0xc4, 0xa0, 0x03, 0x02, 0x01,
    0x12, 0xa2, 0x81, 0xbc, 0x04, 0x81, 0xb9, 0xf6, 0x07, 0xb9, 0x23, 0x8f, 0xa0, 0xa3, 0x6f, 0xde,
    0x68, 0x0b, 0xd7, 0x14, 0x8f, 0x2a, 0xad, 0x3c, 0xb9, 0x08, 0xa1, 0x87, 0x8f, 0xfe, 0x85, 0xa1,
    0xbb, 0x66, 0x65, 0x25, 0x57, 0x2f, 0x8a, 0x9a, 0xc0, 0xd6, 0x7d, 0x81, 0x3f, 0x1b, 0x90, 0x8b,
    0x91, 0xfa, 0x23, 0x8a, 0xf9, 0x52, 0x0f, 0x7b, 0xe1, 0x21, 0x40, 0x92, 0x45, 0x28, 0xcf, 0x82,
    0x7f, 0xd8, 0x1e, 0x59, 0x8d, 0x6d, 0x6a, 0x93, 0xd1, 0x9a, 0x35, 0x3a, 0x2f, 0xe5, 0xc4, 0x28,
    0xdb, 0xd1, 0xf8, 0x0a, 0xc5, 0xa1, 0x11, 0x2a, 0x88, 0xf7, 0xbc, 0x9f, 0xe5, 0x24, 0xa6, 0xd6,
    0xdb, 0x14, 0xd6, 0x32, 0x30, 0x59, 0xfa, 0xdb, 0x44, 0x70, 0xc3, 0x21, 0x19, 0xbe, 0x09, 0x3b,
    0x8a, 0xfc, 0xcb, 0x9b, 0x58, 0xb1, 0xc9, 0x40, 0x2e, 0xd5, 0xdf, 0x9a, 0x17, 0xf1, 0x61, 0x7c,
    0xf9, 0x68, 0xfc, 0x14, 0x7a, 0xdf, 0xca, 0xd7, 0xb5, 0xd1, 0xce, 0x13, 0x5c, 0x62, 0xd4, 0xc8,
    0x65, 0x47, 0xab, 0xdd, 0x1e, 0xbb, 0x1d, 0xf9, 0xe5, 0x00, 0x2e, 0x1c, 0x2a, 0x95, 0x1d, 0x6e,
    0xf3, 0xb5, 0x43, 0x8d, 0xc2, 0x7f, 0x14, 0xc1, 0xeb, 0xcf, 0xa8, 0xc7, 0xbb, 0xa2, 0x0c, 0x2f,
    0xb3, 0x8b, 0x7a, 0x12, 0x4d, 0x29, 0x33, 0x8c, 0xbe, 0xfb, 0xde, 0x71, 0x1e, 0x63, 0x3f, 0x64,
    0x30, 0x81, 0xd2, 0xa1, 0x04, 0x02, 0x02, 0x00, 0x88, 0xa2, 0x81, 0xc9, 0x04, 0x81, 0xc6, 0xa0,
    0x81, 0xc3, 0x30, 0x81, 0xc0, 0xa1, 0x17, 0x30, 0x15, 0xa0, 0x03, 0x02, 0x01, 0x10, 0xa1, 0x0e,
    0x04, 0x0c, 0xd0, 0xcc, 0x70, 0x04, 0x86, 0xa8, 0x53, 0x55, 0x54, 0x5d, 0xeb, 0x7b, 0xa2, 0x81,
    0xa4, 0x30, 0x81, 0xa1, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa2, 0x81, 0x99, 0x04, 0x81, 0x96, 0x89,
    0xe5, 0xcb, 0xee, 0x8e, 0xb0, 0xae, 0x7b, 0x9b, 0xf9, 0x9c, 0x23, 0xc3, 0x0c, 0x1e, 0x7c, 0x05,
    0x56, 0xc3, 0x7c, 0xe1, 0x18, 0xa3, 0xa3, 0xd4, 0x29, 0xc5, 0x8e, 0xc4, 0x69, 0x85, 0x63, 0x7e,
    0x02, 0xb0, 0xf8, 0xef, 0x4b, 0x9d, 0x14, 0x57, 0x07, 0xaf, 0x3b, 0x2a, 0x0e, 0x2d, 0x84, 0xf0,
    0xed, 0x2a, 0x3c, 0xfd, 0x2b, 0xbb, 0x54, 0x66, 0x18, 0x19, 0x83, 0xfa, 0x80, 0x23, 0x63, 0x6d,
    0xb9, 0xf8, 0x24, 0x3b, 0xd6, 0x45, 0x5d, 0xb5, 0xfd, 0x74, 0x18, 0xe0, 0xcd, 0xb9, 0xf3, 0xa4,
    0x4e, 0xb5, 0xea, 0xb0, 0x09, 0x43, 0xfb, 0xa8, 0x5b, 0x0f, 0x1c, 0xd4, 0x9e, 0x38, 0xe8, 0xb4,
    0x6f, 0xbe, 0x4f, 0x31, 0xeb, 0x59, 0x4d, 0xb6, 0x0c, 0xae, 0x5f, 0x8b, 0xc7, 0x49, 0xcf, 0xb8,
    0x34, 0x26, 0x3e, 0xe0, 0xd3, 0x34, 0xbd, 0xc1, 0x84, 0x41, 0x25, 0xad, 0x11, 0xb9, 0x91, 0xc0,
    0x65, 0x6b, 0xff, 0x1b, 0x84, 0xe0, 0x47, 0xb9, 0xbd, 0x75, 0x05, 0xf4, 0xcd, 0xf6, 0xd3, 0xdc,
    0xc6, 0xb8, 0x05, 0x02, 0x65, 0xa4, 0x69, 0x30, 0x67, 0xa0, 0x07, 0x03, 0x05, 0x00, 0x00, 0x00,
    0x00, 0x02, 0xa2, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa3,
    0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72,
    0x62, 0x74, 0x67, 0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa5,
    0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x35, 0x30, 0x31, 0x31, 0x39, 0x32, 0x32, 0x35, 0x35, 0x31,
    0x31, 0x5a, 0xa7, 0x06, 0x02, 0x04, 0x54, 0xbd, 0x8b, 0x0b, 0xa8, 0x14, 0x30, 0x12, 0x02, 0x01,
    0x12, 0x02, 0x01, 0x11, 0x02, 0x01, 0x10, 0x02, 0x01, 0x17, 0x02, 0x01, 0x19, 0x02, 0x01, 0x1a,
};
static const guint8 v_err_preauth_required[] = {
    0x7e, 0x82, 0x02, 0x00, 0x30, 0x82, 0x01, 0xfc, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02,
    0x01, 0x1e, 0xa2, 0x11, 0x18, 0x0f, 0x31, 0x39, 0x39, 0x30, 0x30, 0x38, 0x31, 0x31, 0x31, 0x34,
    0x32, 0x34, 0x31, 0x37, 0x5a, 0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x35, 0x30, 0x31, 0x31,
    0x39, 0x32, 0x32, 0x35, 0x34, 0x30, 0x39, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x05, 0x19, 0x0b, 0xa6,
    0x03, 0x02, 0x01, 0x19, 0xa7, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45,
    0x54, 0xa8, 0x2e, 0x30, 0x2c, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x25, 0x30, 0x23, 0x1b, 0x21,
    0x72, 0x65, 0x71, 0x75, 0x69, 0x72, 0x65, 0x73, 0x5f, 0x70, 0x72, 0x65, 0x61, 0x75, 0x74, 0x68,
    0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61,
    0x6c, 0xa9, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xaa, 0x1e,
    0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62,
    0x74, 0x67, 0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xab, 0x10,
    0x1b, 0x0e, 0x4e, 0x45, 0x45, 0x44, 0x45, 0x44, 0x5f, 0x50, 0x52, 0x45, 0x41, 0x55, 0x54, 0x48,
    0xac, 0x82, 0x01, 0x40, 0x04, 0x82, 0x01, 0x3c, 0x30, 0x82, 0x01, 0x38, 0x30, 0x0a, 0xa1, 0x04,
    0x02, 0x02, 0x00, 0x88, 0xa2, 0x02, 0x04, 0x00, 0x30, 0x81, 0xe2, 0xa1, 0x03, 0x02, 0x01, 0x13,
    0xa2, 0x81, 0xda, 0x04, 0x81, 0xd7, 0x30, 0x81, 0xd4, 0x30, 0x33, 0xa0, 0x03, 0x02, 0x01, 0x12,
    0xa1, 0x2c, 0x1b, 0x2a, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0x72, 0x65, 0x71,
    0x75, 0x69, 0x72, 0x65, 0x73, 0x5f, 0x70, 0x72, 0x65, 0x61, 0x75, 0x74, 0x68, 0x5f, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0x30, 0x33,
    0xa0, 0x03, 0x02, 0x01, 0x11, 0xa1, 0x2c, 0x1b, 0x2a, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e,
    0x45, 0x54, 0x72, 0x65, 0x71, 0x75, 0x69, 0x72, 0x65, 0x73, 0x5f, 0x70, 0x72, 0x65, 0x61, 0x75,
    0x74, 0x68, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69,
    0x70, 0x61, 0x6c, 0x30, 0x33, 0xa0, 0x03, 0x02, 0x01, 0x10, 0xa1, 0x2c, 0x1b, 0x2a, 0x56, 0x4c,
    0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0x72, 0x65, 0x71, 0x75, 0x69, 0x72, 0x65, 0x73, 0x5f,
    0x70, 0x72, 0x65, 0x61, 0x75, 0x74, 0x68, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x70,
    0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0x30, 0x33, 0xa0, 0x03, 0x02, 0x01, 0x17, 0xa1,
    0x2c, 0x1b, 0x2a, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0x72, 0x65, 0x71, 0x75,
    0x69, 0x72, 0x65, 0x73, 0x5f, 0x70, 0x72, 0x65, 0x61, 0x75, 0x74, 0x68, 0x5f, 0x63, 0x6c, 0x69,
    0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0x30, 0x09, 0xa1,
    0x03, 0x02, 0x01, 0x10, 0xa2, 0x02, 0x04, 0x00, 0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x0e, 0xa2,
    0x02, 0x04, 0x00, 0x30, 0x09, 0xa1, 0x03, 0x02, 0x01, 0x0f, 0xa2, 0x02, 0x04, 0x00, 0x30, 0x0a,
    0xa1, 0x04, 0x02, 0x02, 0x00, 0x93, 0xa2, 0x02, 0x04, 0x00, 0x30, 0x09, 0xa1, 0x03, 0x02, 0x01,
    0x02, 0xa2, 0x02, 0x04, 0x00, 0x30, 0x0d, 0xa1, 0x04, 0x02, 0x02, 0x00, 0x85, 0xa2, 0x05, 0x04,
    0x03, 0x4d, 0x49, 0x54,
};
static const guint8 v_err_client_revoked[] = {
    0x7e, 0x81, 0xb5, 0x30, 0x81, 0xb2, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e,
    0xa2, 0x11, 0x18, 0x0f, 0x31, 0x39, 0x39, 0x36, 0x31, 0x30, 0x33, 0x30, 0x30, 0x30, 0x33, 0x37,
    0x33, 0x33, 0x5a, 0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x35, 0x30, 0x31, 0x31, 0x39, 0x32,
    0x32, 0x35, 0x34, 0x31, 0x31, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x02, 0x82, 0xb4, 0xa6, 0x03, 0x02,
    0x01, 0x12, 0xa7, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa8,
    0x2c, 0x30, 0x2a, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x23, 0x30, 0x21, 0x1b, 0x1f, 0x6c, 0x6f,
    0x63, 0x6b, 0x6f, 0x75, 0x74, 0x5f, 0x70, 0x6f, 0x6c, 0x69, 0x63, 0x79, 0x5f, 0x63, 0x6c, 0x69,
    0x65, 0x6e, 0x74, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70, 0x61, 0x6c, 0xa9, 0x0b, 0x1b,
    0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xaa, 0x1e, 0x30, 0x1c, 0xa0, 0x03,
    0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62, 0x74, 0x67, 0x74, 0x1b,
    0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xab, 0x0c, 0x1b, 0x0a, 0x4c, 0x4f,
    0x43, 0x4b, 0x45, 0x44, 0x5f, 0x4f, 0x55, 0x54,
};
static const guint8 v_err_c_principal_unknown[] = {
    0x7e, 0x81, 0xbd, 0x30, 0x81, 0xba, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e,
    0xa2, 0x11, 0x18, 0x0f, 0x31, 0x39, 0x39, 0x34, 0x30, 0x38, 0x32, 0x38, 0x31, 0x33, 0x34, 0x32,
    0x33, 0x36, 0x5a, 0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x35, 0x30, 0x31, 0x31, 0x39, 0x32,
    0x32, 0x35, 0x34, 0x30, 0x33, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x06, 0x31, 0xca, 0xa6, 0x03, 0x02,
    0x01, 0x06, 0xa7, 0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa8,
    0x2e, 0x30, 0x2c, 0xa0, 0x03, 0x02, 0x01, 0x0a, 0xa1, 0x25, 0x30, 0x23, 0x1b, 0x21, 0x65, 0x6e,
    0x74, 0x65, 0x72, 0x70, 0x72, 0x69, 0x73, 0x65, 0x5f, 0x70, 0x72, 0x69, 0x6e, 0x63, 0x69, 0x70,
    0x61, 0x6c, 0x40, 0x41, 0x44, 0x2e, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xa9,
    0x0b, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xaa, 0x1e, 0x30, 0x1c,
    0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x15, 0x30, 0x13, 0x1b, 0x06, 0x6b, 0x72, 0x62, 0x74, 0x67,
    0x74, 0x1b, 0x09, 0x56, 0x4c, 0x41, 0x44, 0x47, 0x2e, 0x4e, 0x45, 0x54, 0xab, 0x12, 0x1b, 0x10,
    0x43, 0x4c, 0x49, 0x45, 0x4e, 0x54, 0x5f, 0x4e, 0x4f, 0x54, 0x5f, 0x46, 0x4f, 0x55, 0x4e, 0x44,
};
static const guint8 v_err_response_too_big[] = {
    0x7e, 0x64, 0x30, 0x62, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e, 0xa4, 0x11,
    0x18, 0x0f, 0x32, 0x30, 0x32, 0x32, 0x30, 0x32, 0x32, 0x32, 0x30, 0x37, 0x34, 0x36, 0x30, 0x34,
    0x5a, 0xa5, 0x05, 0x02, 0x03, 0x0e, 0xc2, 0x6d, 0xa6, 0x03, 0x02, 0x01, 0x34, 0xa9, 0x11, 0x1b,
    0x0f, 0x4c, 0x49, 0x4e, 0x55, 0x58, 0x2e, 0x53, 0x48, 0x45, 0x4c, 0x4c, 0x2e, 0x43, 0x4f, 0x4d,
    0xaa, 0x24, 0x30, 0x22, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x1b, 0x30, 0x19, 0x1b, 0x06, 0x6b,
    0x72, 0x62, 0x74, 0x67, 0x74, 0x1b, 0x0f, 0x4c, 0x49, 0x4e, 0x55, 0x58, 0x2e, 0x53, 0x48, 0x45,
    0x4c, 0x4c, 0x2e, 0x43, 0x4f, 0x4d,
};
static const guint8 v_tcp_err_badoption_ntstatus[] = {
    0x00, 0x00, 0x00, 0x84, 0x7e, 0x81, 0x81, 0x30, 0x7f, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03,
    0x02, 0x01, 0x1e, 0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x31, 0x39, 0x30, 0x32, 0x30, 0x35, 0x30,
    0x33, 0x33, 0x38, 0x34, 0x39, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x0c, 0x9c, 0x32, 0xa6, 0x03, 0x02,
    0x01, 0x0d, 0xa9, 0x10, 0x1b, 0x0e, 0x48, 0x41, 0x50, 0x50, 0x59, 0x43, 0x52, 0x41, 0x46, 0x54,
    0x2e, 0x4f, 0x52, 0x47, 0xaa, 0x27, 0x30, 0x25, 0xa0, 0x03, 0x02, 0x01, 0x0a, 0xa1, 0x1e, 0x30,
    0x1c, 0x1b, 0x1a, 0x6a, 0x6f, 0x68, 0x6e, 0x73, 0x6f, 0x6e, 0x2d, 0x70, 0x63, 0x24, 0x40, 0x48,
    0x41, 0x50, 0x50, 0x59, 0x43, 0x52, 0x41, 0x46, 0x54, 0x2e, 0x4f, 0x52, 0x47, 0xac, 0x19, 0x04,
    0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c, 0xbb, 0x00, 0x00, 0xc0,
    0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
};

/* pcaps/06-disabled.pcap frame 4 (lab, Samba AD): KRB-ERROR 18 whose e-data is a METHOD-DATA
 * holding ETYPE-INFO2 and a KERB-EXT-ERROR PA-DATA (NTSTATUS 0xc0000072, account disabled). */
static const guint8 v_err_disabled[] = {
    0x7e, 0x81, 0xff, 0x30, 0x81, 0xfc, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e,
    0xa4, 0x11, 0x18, 0x0f, 0x32, 0x30, 0x32, 0x36, 0x31, 0x31, 0x32, 0x34, 0x31, 0x32, 0x35, 0x39,
    0x35, 0x31, 0x5a, 0xa5, 0x05, 0x02, 0x03, 0x0f, 0x3e, 0x67, 0xa6, 0x03, 0x02, 0x01, 0x12, 0xa7,
    0x14, 0x1b, 0x12, 0x4c, 0x41, 0x42, 0x2e, 0x54, 0x52, 0x55, 0x53, 0x54, 0x57, 0x49, 0x52, 0x45,
    0x2e, 0x54, 0x45, 0x53, 0x54, 0xa8, 0x12, 0x30, 0x10, 0xa0, 0x03, 0x02, 0x01, 0x01, 0xa1, 0x09,
    0x30, 0x07, 0x1b, 0x05, 0x57, 0x53, 0x30, 0x33, 0x24, 0xa9, 0x14, 0x1b, 0x12, 0x4c, 0x41, 0x42,
    0x2e, 0x54, 0x52, 0x55, 0x53, 0x54, 0x57, 0x49, 0x52, 0x45, 0x2e, 0x54, 0x45, 0x53, 0x54, 0xaa,
    0x27, 0x30, 0x25, 0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x1e, 0x30, 0x1c, 0x1b, 0x06, 0x6b, 0x72,
    0x62, 0x74, 0x67, 0x74, 0x1b, 0x12, 0x4c, 0x41, 0x42, 0x2e, 0x54, 0x52, 0x55, 0x53, 0x54, 0x57,
    0x49, 0x52, 0x45, 0x2e, 0x54, 0x45, 0x53, 0x54, 0xac, 0x68, 0x04, 0x66, 0x30, 0x64, 0x30, 0x4b,
    0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x44, 0x04, 0x42, 0x30, 0x40, 0x30, 0x3e, 0xa0, 0x03, 0x02,
    0x01, 0x12, 0xa1, 0x2f, 0x1b, 0x2d, 0x4c, 0x41, 0x42, 0x2e, 0x54, 0x52, 0x55, 0x53, 0x54, 0x57,
    0x49, 0x52, 0x45, 0x2e, 0x54, 0x45, 0x53, 0x54, 0x68, 0x6f, 0x73, 0x74, 0x77, 0x73, 0x30, 0x33,
    0x2e, 0x6c, 0x61, 0x62, 0x2e, 0x74, 0x72, 0x75, 0x73, 0x74, 0x77, 0x69, 0x72, 0x65, 0x2e, 0x74,
    0x65, 0x73, 0x74, 0xa2, 0x06, 0x04, 0x04, 0x00, 0x00, 0x10, 0x00, 0x30, 0x15, 0xa1, 0x03, 0x02,
    0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c, 0x72, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x00, 0x00,
};

/* Built here from the RFC 4120 5.6.1 / 5.8.1 ASN.1 (no public capture has them):
 * KRB-SAFE with user-data, timestamp, usec, seq-number 0x80000001, s-address 192.168.1.2;
 * KRB-CRED with one ticket for cifs/fs1.example.com (etype 18, kvno 3). */
static const guint8 v_krb_safe[] = {
    0x74, 0x63, 0x30, 0x61, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x14, 0xa2, 0x3c,
    0x30, 0x3a, 0xa0, 0x07, 0x04, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xa1, 0x11, 0x18, 0x0f, 0x32,
    0x30, 0x32, 0x34, 0x30, 0x31, 0x30, 0x32, 0x30, 0x33, 0x30, 0x34, 0x30, 0x35, 0x5a, 0xa2, 0x03,
    0x02, 0x01, 0x7b, 0xa3, 0x06, 0x02, 0x04, 0x80, 0x00, 0x00, 0x01, 0xa4, 0x0f, 0x30, 0x0d, 0xa0,
    0x03, 0x02, 0x01, 0x02, 0xa1, 0x06, 0x04, 0x04, 0xc0, 0xa8, 0x01, 0x02, 0xa3, 0x17, 0x30, 0x15,
    0xa0, 0x03, 0x02, 0x01, 0x10, 0xa1, 0x0e, 0x04, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00,
};
static const guint8 v_krb_cred[] = {
    0x76, 0x81, 0xa4, 0x30, 0x81, 0xa1, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x16,
    0xa2, 0x70, 0x30, 0x6e, 0x61, 0x6c, 0x30, 0x6a, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x0d, 0x1b,
    0x0b, 0x45, 0x58, 0x41, 0x4d, 0x50, 0x4c, 0x45, 0x2e, 0x43, 0x4f, 0x4d, 0xa2, 0x22, 0x30, 0x20,
    0xa0, 0x03, 0x02, 0x01, 0x02, 0xa1, 0x19, 0x30, 0x17, 0x1b, 0x04, 0x63, 0x69, 0x66, 0x73, 0x1b,
    0x0f, 0x66, 0x73, 0x31, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d,
    0xa3, 0x30, 0x30, 0x2e, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x22,
    0x04, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xa3, 0x23, 0x30, 0x21, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa2, 0x1a, 0x04, 0x18, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static TwPacketInfo pi_udp(guint64 frame, guint16 sport, guint16 dport)
{
    TwPacketInfo pi = { 0 };
    pi.frame = frame;
    pi.ts_us = 1421708049000000;
    pi.transport = "udp";
    g_strlcpy(pi.src, "192.0.2.1", sizeof pi.src);
    g_strlcpy(pi.dst, "192.0.2.2", sizeof pi.dst);
    pi.sport = sport;
    pi.dport = dport;
    return pi;
}

static TwEvent *parse(const guint8 *b, gsize n, bool tree)
{
    TwPacketInfo pi = pi_udp(7, 88, 50000);
    TwDissectCtx ctx = { .pi = &pi, .want_tree = tree };
    return tw_krb5_parse_message(&ctx, b, n, n);
}

static gint64 ilist_at(const TwEvent *ev, const char *key, guint i)
{
    const TwField *f = tw_event_get(ev, key);
    g_assert_nonnull(f);
    g_assert_cmpint(f->type, ==, TW_FIELD_INTLIST);
    g_assert_cmpuint(i, <, f->v.ilist->len);
    return g_array_index(f->v.ilist, gint64, i);
}

static void test_as_req(void)
{
    g_autoptr(TwEvent) ev = parse(v_as_req, sizeof v_as_req, false);
    g_assert_nonnull(ev);
    g_assert_cmpuint(ev->frame, ==, 7);
    g_assert_cmpstr(ev->proto, ==, "kerberos");
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 10);
    g_assert_cmpstr(tw_event_get_str(ev, "msg"), ==, "AS-REQ");
    g_assert_cmpstr(tw_event_get_str(ev, "realm"), ==, "VLADG.NET");
    g_assert_cmpstr(tw_event_get_str(ev, "cname"), ==, "valid_client_principal");
    g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpint(tw_event_get_int(ev, "nonce", 0), ==, 2013635051);
    const gint64 etypes[] = { 18, 17, 16, 23, 25, 26 };
    for (guint i = 0; i < G_N_ELEMENTS(etypes); i++)
        g_assert_cmpint(ilist_at(ev, "etypes", i), ==, etypes[i]);
    g_assert_cmpint(ilist_at(ev, "padata", 0), ==, 149);
    g_assert_cmpstr(tw_event_get_str(ev, "kdc_options"), ==, "0x00000010");
    g_assert_false(tw_event_has(ev, "truncated"));
    g_assert_false(tw_event_has(ev, "malformed"));
    g_assert_null(ev->tree); /* no tree unless asked */
}

static void test_as_rep(void)
{
    g_autoptr(TwEvent) ev = parse(v_as_rep, sizeof v_as_rep, false);
    g_assert_nonnull(ev);
    g_assert_cmpstr(tw_event_get_str(ev, "msg"), ==, "AS-REP");
    g_assert_cmpstr(tw_event_get_str(ev, "crealm"), ==, "VLADG.NET");
    g_assert_cmpstr(tw_event_get_str(ev, "cname"), ==, "valid_client_principal");
    g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpstr(tw_event_get_str(ev, "ticket_sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpint(tw_event_get_int(ev, "ticket_etype", 0), ==, 18);
    g_assert_cmpint(tw_event_get_int(ev, "kvno", 0), ==, 1);
    g_assert_cmpint(tw_event_get_int(ev, "enc_etype", 0), ==, 18);
    g_assert_cmpint(ilist_at(ev, "padata", 0), ==, 19);
    g_assert_cmpstr(tw_event_get_str(ev, "salt"), ==, "VLADG.NETvalid_client_principal");
}

static void test_tgs_req(void)
{
    g_autoptr(TwEvent) ev = parse(v_tgs_req, sizeof v_tgs_req, false);
    g_assert_nonnull(ev);
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 12);
    /* the event's sname is the req-body sname; the PA-TGS-REQ ticket's is ticket_sname */
    g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpstr(tw_event_get_str(ev, "ticket_sname"), ==, "krbtgt/VLADG.NET");
    g_assert_cmpstr(tw_event_get_str(ev, "ticket_realm"), ==, "VLADG.NET");
    g_assert_cmpint(tw_event_get_int(ev, "ticket_kvno", 0), ==, 1);
    g_assert_cmpstr(tw_event_get_str(ev, "realm"), ==, "VLADG.NET");
    g_assert_false(tw_event_has(ev, "cname"));
    g_assert_cmpint(tw_event_get_int(ev, "nonce", 0), ==, 1421708043);
    g_assert_cmpint(ilist_at(ev, "padata", 0), ==, 1);
    g_assert_cmpint(ilist_at(ev, "padata", 1), ==, 136);
}

static void test_error_preauth_required(void)
{
    g_autoptr(TwEvent) ev = parse(v_err_preauth_required, sizeof v_err_preauth_required, true);
    g_assert_nonnull(ev);
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 30);
    g_assert_cmpint(tw_event_get_int(ev, "error_code", 0), ==, 25);
    g_assert_cmpstr(tw_event_get_str(ev, "error_name"), ==, "KDC_ERR_PREAUTH_REQUIRED");
    g_assert_cmpstr(tw_event_get_str(ev, "e_text"), ==, "NEEDED_PREAUTH");
    g_assert_cmpstr(tw_event_get_str(ev, "cname"), ==, "requires_preauth_client_principal");
    g_assert_cmpstr(tw_event_get_str(ev, "stime"), ==, "2015-01-19T22:54:09.000000Z");
    g_assert_cmpint(tw_event_get_int(ev, "susec", 0), ==, 334091);
    g_assert_cmpstr(tw_event_get_str(ev, "ctime"), ==, "1990-08-11T14:24:17.000000Z");
    /* METHOD-DATA in e-data: the PA types tshark lists */
    const gint64 pa[] = { 136, 19, 16, 14, 15, 147, 2, 133 };
    for (guint i = 0; i < G_N_ELEMENTS(pa); i++)
        g_assert_cmpint(ilist_at(ev, "e_data_padata", i), ==, pa[i]);
    g_assert_cmpstr(tw_event_get_str(ev, "salt"), ==, "VLADG.NETrequires_preauth_client_principal");
    /* teaching view: error-code with its cause */
    g_assert_nonnull(ev->tree);
    bool found = false;
    for (guint i = 0; i < ev->tree->len; i++) {
        TwTreeNode *n = g_ptr_array_index(ev->tree, i);
        if (strcmp(n->name, "error-code") == 0) {
            g_assert_cmpstr(n->value, ==, "25 (KDC_ERR_PREAUTH_REQUIRED)");
            g_assert_nonnull(n->note);
            found = true;
        }
    }
    g_assert_true(found);
}

static void test_error_codes(void)
{
    g_autoptr(TwEvent) a = parse(v_err_client_revoked, sizeof v_err_client_revoked, false);
    g_assert_cmpint(tw_event_get_int(a, "error_code", 0), ==, 18);
    g_assert_cmpstr(tw_event_get_str(a, "error_name"), ==, "KDC_ERR_CLIENT_REVOKED");
    g_assert_cmpstr(tw_event_get_str(a, "e_text"), ==, "LOCKED_OUT");
    g_assert_cmpstr(tw_event_get_str(a, "cname"), ==, "lockout_policy_client_principal");
    g_autoptr(TwEvent) b = parse(v_err_c_principal_unknown, sizeof v_err_c_principal_unknown, false);
    g_assert_cmpint(tw_event_get_int(b, "error_code", 0), ==, 6);
    g_assert_cmpstr(tw_event_get_str(b, "cname"), ==, "enterprise_principal@AD.VLADG.NET");
    g_autoptr(TwEvent) c = parse(v_err_response_too_big, sizeof v_err_response_too_big, false);
    g_assert_cmpint(tw_event_get_int(c, "error_code", 0), ==, 52);
    g_assert_cmpstr(tw_event_get_str(c, "error_name"), ==, "KRB_ERR_RESPONSE_TOO_BIG");
    g_assert_cmpstr(tw_event_get_str(c, "realm"), ==, "LINUX.SHELL.COM");
    g_assert_cmpstr(tw_event_get_str(c, "sname"), ==, "krbtgt/LINUX.SHELL.COM");
    g_assert_cmpint(tw_event_get_int(c, "susec", 0), ==, 967277);
    /* MS-KILE KERB-EXT-ERROR behind a TCP record mark */
    g_autoptr(TwEvent) d = parse(v_tcp_err_badoption_ntstatus + 4, sizeof v_tcp_err_badoption_ntstatus - 4, false);
    g_assert_cmpint(tw_event_get_int(d, "error_code", 0), ==, 13);
    g_assert_cmpstr(tw_event_get_str(d, "nt_status"), ==, "0xc00000bb");
    g_assert_cmpstr(tw_event_get_str(d, "sname"), ==, "johnson-pc$@HAPPYCRAFT.ORG");
    /* METHOD-DATA with a KERB-EXT-ERROR inside (tshark 4.0 cannot decode this one) */
    g_autoptr(TwEvent) e = parse(v_err_disabled, sizeof v_err_disabled, true);
    g_assert_cmpint(tw_event_get_int(e, "error_code", 0), ==, 18);
    g_assert_cmpstr(tw_event_get_str(e, "error_name"), ==, "KDC_ERR_CLIENT_REVOKED");
    g_assert_cmpstr(tw_event_get_str(e, "nt_status"), ==, "0xc0000072");
    g_assert_cmpint(ilist_at(e, "e_data_padata", 0), ==, 19);
    g_assert_cmpint(ilist_at(e, "e_data_padata", 1), ==, 3);
    g_assert_cmpstr(tw_event_get_str(e, "salt"), ==, "LAB.TRUSTWIRE.TESThostws03.lab.trustwire.test");
    g_assert_false(tw_event_has(e, "decode_status"));
    /* names for every RFC 4120 code and the table's edges */
    g_assert_cmpstr(tw_krb5_error_name(24), ==, "KDC_ERR_PREAUTH_FAILED");
    g_assert_cmpstr(tw_krb5_error_name(37), ==, "KRB_AP_ERR_SKEW");
    g_assert_cmpstr(tw_krb5_error_name(41), ==, "KRB_AP_ERR_MODIFIED");
    g_assert_cmpstr(tw_krb5_error_name(93), ==, "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS");
    g_assert_null(tw_krb5_error_name(94));
    g_assert_null(tw_krb5_error_name(-1));
    g_assert_null(tw_krb5_error_name(30));
    for (gint64 code = 0; code <= 93; code++)
        if (tw_krb5_error_name(code))
            g_assert_nonnull(tw_krb5_error_cause(code));
}

/* Windows/Samba send a nonce >= 2^31 as a 4-octet INTEGER with the sign bit
 * set; RFC 4120 UInt32 semantics (and tshark) read it unsigned. */
static void test_nonce_unsigned(void)
{
    g_autofree guint8 *b = g_memdup2(v_as_req, sizeof v_as_req);
    const guint8 pat[] = { 0x02, 0x04, 0x78, 0x05, 0xa1, 0xeb }; /* nonce 2013635051 = 0x7805a1eb */
    gsize at = 0;
    for (gsize i = 0; i + sizeof pat <= sizeof v_as_req; i++)
        if (memcmp(b + i, pat, sizeof pat) == 0)
            at = i;
    g_assert_cmpuint(at, >, 0);
    b[at + 2] = 0x98; /* 0x9805a1eb */
    g_autoptr(TwEvent) ev = parse(b, sizeof v_as_req, false);
    g_assert_cmpint(tw_event_get_int(ev, "nonce", 0), ==, G_GINT64_CONSTANT(0x9805a1eb));
    g_assert_false(tw_event_has(ev, "decode_status"));
}

static void test_safe_cred(void)
{
    g_autoptr(TwEvent) a = parse(v_krb_safe, sizeof v_krb_safe, true);
    g_assert_cmpstr(tw_event_get_str(a, "msg"), ==, "KRB-SAFE");
    g_assert_cmpstr(tw_event_get_str(a, "s_address"), ==, "192.168.1.2");
    g_assert_false(tw_event_has(a, "decode_status"));
    bool seen_seq = false;
    for (guint i = 0; i < a->tree->len; i++) {
        TwTreeNode *n = g_ptr_array_index(a->tree, i);
        if (strcmp(n->name, "seq-number") == 0) {
            g_assert_cmpstr(n->value, ==, "2147483649");
            seen_seq = true;
        }
    }
    g_assert_true(seen_seq);
    g_autoptr(TwEvent) c = parse(v_krb_cred, sizeof v_krb_cred, false);
    g_assert_cmpstr(tw_event_get_str(c, "msg"), ==, "KRB-CRED");
    g_assert_cmpint(tw_event_get_int(c, "msg_type", 0), ==, 22);
    g_assert_cmpstr(tw_event_get_str(c, "sname"), ==, "cifs/fs1.example.com");
    g_assert_cmpstr(tw_event_get_str(c, "realm"), ==, "EXAMPLE.COM");
    g_assert_cmpint(tw_event_get_int(c, "ticket_kvno", 0), ==, 3);
    g_assert_cmpint(tw_event_get_int(c, "enc_etype", 0), ==, 18);
    g_assert_false(tw_event_has(c, "decode_status"));
}

/* RFC 4120 5.5.1 APOptions: the ap-options note names the bits that are set
 * (use-session-key = bit 1, mutual-required = bit 2) and says nothing of
 * mutual-required when it is clear (it used to claim it whatever the value). */
static const TwTreeNode *tree_node(const TwEvent *ev, const char *name)
{
    for (guint i = 0; ev->tree && i < ev->tree->len; i++) {
        const TwTreeNode *n = g_ptr_array_index(ev->tree, i);
        if (strcmp(n->name, name) == 0)
            return n;
    }
    return NULL;
}

static void test_ap_options_note(void)
{
    g_autofree guint8 *b = g_memdup2(v_tgs_req, sizeof v_tgs_req);
    const guint8 pat[] = { 0xa2, 0x07, 0x03, 0x05, 0x00 }; /* AP-REQ [2] ap-options BIT STRING */
    gsize at = 0;
    for (gsize i = 0; i + sizeof pat + 4 <= sizeof v_tgs_req; i++)
        if (memcmp(b + i, pat, sizeof pat) == 0)
            at = i + sizeof pat;
    g_assert_cmpuint(at, >, 0);
    static const struct {
        guint8 first;
        const char *value;
        bool use_session_key, mutual_required;
    } cases[] = {
        { 0x00, "0x00000000 (none)", false, false },
        { 0x20, "0x20000000 (mutual-required)", false, true },
        { 0x40, "0x40000000 (use-session-key)", true, false },
        { 0x60, "0x60000000 (use-session-key, mutual-required)", true, true },
        { 0x80, "0x80000000 (reserved)", false, false },
    };
    for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
        b[at] = cases[c].first;
        g_autoptr(TwEvent) ev = parse(b, sizeof v_tgs_req, true);
        g_assert_false(tw_event_has(ev, "decode_status"));
        const TwTreeNode *n = tree_node(ev, "ap-options");
        g_assert_nonnull(n);
        g_assert_cmpstr(n->value, ==, cases[c].value);
        const char *note = n->note ? n->note : "";
        g_assert_cmpint(strstr(note, "mutual-required") != NULL, ==, cases[c].mutual_required);
        g_assert_cmpint(strstr(note, "AP-REP") != NULL, ==, cases[c].mutual_required);
        g_assert_cmpint(strstr(note, "use-session-key") != NULL, ==, cases[c].use_session_key);
        if (!cases[c].mutual_required && !cases[c].use_session_key)
            g_assert_null(n->note);
    }
}

static void test_not_kerberos(void)
{
    const guint8 ntp[] = { 0x23, 0x00, 0x06, 0xec, 0, 0, 0, 0 };
    g_assert_null(parse(ntp, sizeof ntp, false));
    const guint8 app3[] = { 0x63, 0x00 }; /* APPLICATION 3 is not a Kerberos message */
    g_assert_null(parse(app3, sizeof app3, false));
    g_assert_null(parse(v_as_req, 1, false));
}

/* Every vector cut at every length, with and without the tree. */
static void test_every_truncation(void)
{
    struct { const guint8 *b; gsize n; } vs[] = {
        { v_as_req, sizeof v_as_req },
        { v_as_rep, sizeof v_as_rep },
        { v_tgs_req, sizeof v_tgs_req },
        { v_err_preauth_required, sizeof v_err_preauth_required },
        { v_err_client_revoked, sizeof v_err_client_revoked },
        { v_err_c_principal_unknown, sizeof v_err_c_principal_unknown },
        { v_err_response_too_big, sizeof v_err_response_too_big },
        { v_tcp_err_badoption_ntstatus + 4, sizeof v_tcp_err_badoption_ntstatus - 4 },
        { v_err_disabled, sizeof v_err_disabled },
        { v_krb_safe, sizeof v_krb_safe },
        { v_krb_cred, sizeof v_krb_cred },
    };
    for (guint i = 0; i < G_N_ELEMENTS(vs); i++) {
        for (gsize n = 0; n < vs[i].n; n++) {
            guint8 *cut = g_memdup2(vs[i].b, n ? n : 1); /* exact size: ASan sees over-reads */
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx ctx = { .pi = &pi, .want_tree = (n % 2) == 0 };
            TwEvent *ev = tw_krb5_parse_message(&ctx, cut, n, vs[i].n);
            if (n < 2) {
                g_assert_null(ev);
            } else {
                g_assert_nonnull(ev);
                g_assert_true(tw_event_get_bool(ev, "truncated", false));
                g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "truncated");
                g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, vs[i].b[0] & 0x1f);
                tw_event_free(ev);
            }
            g_free(cut);
        }
        /* and the whole one is clean */
        g_autoptr(TwEvent) ev = parse(vs[i].b, vs[i].n, true);
        g_assert_nonnull(ev);
        g_assert_false(tw_event_has(ev, "decode_status"));
    }
}

/* ---- transports ---- */

static void feed_tcp(void *state, Collect *col, guint64 frame, int dir, const guint8 *b, gsize n)
{
    TwPacketInfo pi = pi_udp(frame, dir == TW_DIR_REQ ? 50000 : 88, dir == TW_DIR_REQ ? 88 : 50000);
    pi.transport = "tcp";
    TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = col };
    tw_krb5_tcp_parser.feed(state, &ctx, dir, b, n, n);
}

static GByteArray *records(void)
{
    GByteArray *s = g_byte_array_new();
    const struct { const guint8 *b; gsize n; } vs[] = {
        { v_as_req, sizeof v_as_req },
        { v_err_preauth_required, sizeof v_err_preauth_required },
        { v_tgs_req, sizeof v_tgs_req },
    };
    for (guint i = 0; i < G_N_ELEMENTS(vs); i++) {
        guint8 mark[4] = { 0, 0, (guint8)(vs[i].n >> 8), (guint8)vs[i].n };
        g_byte_array_append(s, mark, 4);
        g_byte_array_append(s, vs[i].b, (guint)vs[i].n);
    }
    return s;
}

static void test_tcp_chunking(void)
{
    g_autoptr(GByteArray) s = records();
    for (int round = 0; round < 200; round++) {
        Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
        void *st = tw_krb5_tcp_parser.state_new();
        gsize off = 0;
        guint64 frame = 1;
        while (off < s->len) {
            /* round 0: all at once; round 1: one byte at a time; then random */
            gsize chunk = round == 0 ? s->len : round == 1 ? 1 : (gsize)g_test_rand_int_range(1, 700);
            if (chunk > s->len - off)
                chunk = s->len - off;
            feed_tcp(st, &col, frame++, TW_DIR_REQ, s->data + off, chunk);
            off += chunk;
        }
        g_assert_cmpuint(col.events->len, ==, 3);
        g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 0), "msg_type", 0), ==, 10);
        g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 1), "error_code", 0), ==, 25);
        g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 2), "msg_type", 0), ==, 12);
        /* the frame is the one that completed the record */
        TwEvent *last = g_ptr_array_index(col.events, 2);
        g_assert_cmpuint(last->frame, ==, frame - 1);
        for (guint i = 0; i < col.events->len; i++)
            g_assert_false(tw_event_has(g_ptr_array_index(col.events, i), "decode_status"));
        tw_krb5_tcp_parser.state_free(st);
        g_ptr_array_unref(col.events);
    }
}

static void test_tcp_gap_resync(void)
{
    g_autoptr(GByteArray) s = records();
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_tcp_parser.state_new();
    /* first record partly, then a gap, then the rest of the stream starting mid-record */
    feed_tcp(st, &col, 1, TW_DIR_REQ, s->data, 50);
    TwPacketInfo pi = pi_udp(2, 50000, 88);
    TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
    tw_krb5_tcp_parser.gap(st, &ctx, TW_DIR_REQ, 30);
    feed_tcp(st, &col, 3, TW_DIR_REQ, s->data + 80, s->len - 80);
    /* the first record is lost; the next two are found again */
    g_assert_cmpuint(col.events->len, ==, 2);
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 0), "error_code", 0), ==, 25);
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 1), "msg_type", 0), ==, 12);
    tw_krb5_tcp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

static void test_tcp_bad_marks(void)
{
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_tcp_parser.state_new();
    /* a record announcing 1 MiB (over the cap), then garbage, then a good record */
    const guint8 big[] = { 0x00, 0x10, 0x00, 0x00, 0x6a, 0x83, 0x0f, 0xff, 0xfc };
    feed_tcp(st, &col, 1, TW_DIR_REQ, big, sizeof big);
    guint8 junk[300];
    memset(junk, 0x41, sizeof junk);
    feed_tcp(st, &col, 2, TW_DIR_REQ, junk, sizeof junk);
    guint8 mark[4] = { 0, 0, 0, sizeof v_as_req };
    feed_tcp(st, &col, 3, TW_DIR_REQ, mark, 4);
    feed_tcp(st, &col, 4, TW_DIR_REQ, v_as_req, sizeof v_as_req);
    guint anomalies = 0, krb = 0;
    for (guint i = 0; i < col.events->len; i++) {
        TwEvent *ev = g_ptr_array_index(col.events, i);
        if (strcmp(ev->proto, "anomaly") == 0)
            anomalies++;
        else if (strcmp(ev->proto, "kerberos") == 0) {
            krb++;
            g_assert_cmpuint(ev->frame, ==, 4);
            g_assert_cmpstr(tw_event_get_str(ev, "cname"), ==, "valid_client_principal");
        }
    }
    g_assert_cmpuint(anomalies, ==, 1);
    g_assert_cmpuint(krb, ==, 1);
    tw_krb5_tcp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

/* Garbage between records: every record is still found, and the anomalies
 * reported for the direction stop at the cap. */
static void test_tcp_anomaly_cap(void)
{
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_tcp_parser.state_new();
    g_autoptr(GByteArray) s = g_byte_array_new();
    for (int i = 0; i < 50; i++) {
        guint8 mark[4] = { 0, 0, 0, sizeof v_as_req };
        g_byte_array_append(s, mark, 4);
        g_byte_array_append(s, v_as_req, sizeof v_as_req);
        g_byte_array_append(s, (const guint8 *)"AAAA", 4);
    }
    feed_tcp(st, &col, 1, TW_DIR_REQ, s->data, s->len);
    guint anomalies = 0, krb = 0;
    for (guint i = 0; i < col.events->len; i++) {
        TwEvent *ev = g_ptr_array_index(col.events, i);
        if (strcmp(ev->proto, "anomaly") == 0)
            anomalies++;
        else
            krb++;
    }
    g_assert_cmpuint(krb, ==, 50);
    g_assert_cmpuint(anomalies, ==, TW_KRB5_MAX_ANOMALIES_PER_DIR);
    tw_krb5_tcp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

static void test_udp_pairing(void)
{
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_udp_parser.state_new();
    struct { guint64 frame; int dir; const guint8 *b; gsize n; } seq[] = {
        { 10, TW_DIR_REQ, v_as_req, sizeof v_as_req },
        { 11, TW_DIR_RSP, v_err_preauth_required, sizeof v_err_preauth_required },
        { 12, TW_DIR_REQ, v_as_req, sizeof v_as_req },
        { 13, TW_DIR_REQ, v_tgs_req, sizeof v_tgs_req },
        { 14, TW_DIR_RSP, v_as_rep, sizeof v_as_rep },
    };
    for (guint i = 0; i < G_N_ELEMENTS(seq); i++) {
        TwPacketInfo pi = pi_udp(seq[i].frame, seq[i].dir == TW_DIR_REQ ? 50000 : 88,
                                 seq[i].dir == TW_DIR_REQ ? 88 : 50000);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
        tw_krb5_udp_parser.feed(st, &ctx, seq[i].dir, seq[i].b, seq[i].n, seq[i].n);
    }
    g_assert_cmpuint(col.events->len, ==, 5);
    g_assert_false(tw_event_has(g_ptr_array_index(col.events, 0), "reply_to"));
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 1), "reply_to", 0), ==, 10);
    /* the AS-REP answers the AS-REQ of frame 12, not the TGS-REQ of frame 13 */
    g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 4), "reply_to", 0), ==, 12);
    tw_krb5_udp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

/* An AS-REQ and a TGS-REQ both pending on one flow (either order): each
 * reply pairs with a request of its own kind (RFC 4120 5.4.2: AS-REP answers
 * AS-REQ, TGS-REP answers TGS-REQ), never with the older request of the other
 * kind; over UDP and over TCP record marks. */
static GByteArray *tcp_record(const guint8 *b, gsize n)
{
    GByteArray *r = g_byte_array_new();
    const guint8 mark[4] = { (guint8)(n >> 24), (guint8)(n >> 16), (guint8)(n >> 8), (guint8)n };
    g_byte_array_append(r, mark, 4);
    g_byte_array_append(r, b, (guint)n);
    return r;
}

static void test_mixed_pending_pairing(void)
{
    /* A TGS-REP: the AS-REP vector with APPLICATION 13 and msg-type 13. */
    g_autofree guint8 *tgs_rep = g_memdup2(v_as_rep, sizeof v_as_rep);
    g_assert_cmpuint(tgs_rep[0], ==, 0x6b);
    g_assert_cmpuint(tgs_rep[17], ==, TW_KRB5_AS_REP);
    tgs_rep[0] = 0x6d;
    tgs_rep[17] = TW_KRB5_TGS_REP;
    g_autoptr(TwEvent) check = parse(tgs_rep, sizeof v_as_rep, false);
    g_assert_cmpstr(tw_event_get_str(check, "msg"), ==, "TGS-REP");
    g_assert_false(tw_event_has(check, "msg_type_field"));
    g_assert_false(tw_event_has(check, "decode_status"));

    for (int tcp = 0; tcp <= 1; tcp++) {
        for (int as_first = 0; as_first <= 1; as_first++) {
            const TwAppParser *parser = tcp ? &tw_krb5_tcp_parser : &tw_krb5_udp_parser;
            Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
            void *st = parser->state_new();
            struct { guint64 frame; int dir; const guint8 *b; gsize n; } seq[] = {
                { 20, TW_DIR_REQ, as_first ? v_as_req : v_tgs_req, as_first ? sizeof v_as_req : sizeof v_tgs_req },
                { 21, TW_DIR_REQ, as_first ? v_tgs_req : v_as_req, as_first ? sizeof v_tgs_req : sizeof v_as_req },
                /* the reply to the newer request first */
                { 22, TW_DIR_RSP, as_first ? tgs_rep : v_as_rep, sizeof v_as_rep },
                { 23, TW_DIR_RSP, as_first ? v_as_rep : tgs_rep, sizeof v_as_rep },
            };
            for (guint i = 0; i < G_N_ELEMENTS(seq); i++) {
                TwPacketInfo pi = pi_udp(seq[i].frame, seq[i].dir == TW_DIR_REQ ? 50000 : 88,
                                         seq[i].dir == TW_DIR_REQ ? 88 : 50000);
                if (tcp)
                    pi.transport = "tcp";
                TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
                if (tcp) {
                    GByteArray *r = tcp_record(seq[i].b, seq[i].n);
                    parser->feed(st, &ctx, seq[i].dir, r->data, r->len, r->len);
                    g_byte_array_unref(r);
                } else {
                    parser->feed(st, &ctx, seq[i].dir, seq[i].b, seq[i].n, seq[i].n);
                }
            }
            g_assert_cmpuint(col.events->len, ==, 4);
            TwEvent *first_reply = g_ptr_array_index(col.events, 2);
            TwEvent *second_reply = g_ptr_array_index(col.events, 3);
            g_assert_cmpstr(tw_event_get_str(first_reply, "msg"), ==, as_first ? "TGS-REP" : "AS-REP");
            g_assert_cmpstr(tw_event_get_str(second_reply, "msg"), ==, as_first ? "AS-REP" : "TGS-REP");
            g_assert_cmpint(tw_event_get_int(first_reply, "reply_to", 0), ==, 21);
            g_assert_cmpint(tw_event_get_int(second_reply, "reply_to", 0), ==, 20);
            parser->state_free(st);
            g_ptr_array_unref(col.events);
        }
    }
}

/* Many unanswered requests on one flow: kept oldest first up to
 * TW_KRB5_MAX_PENDING (the oldest beyond it forgotten and counted), each
 * reply paired with the oldest request of its kind. */
static void test_many_pending(void)
{
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    g_autoptr(GHashTable) counters = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    void *st = tw_krb5_udp_parser.state_new();
    const guint n_req = TW_KRB5_MAX_PENDING + 6;
    for (guint i = 0; i < n_req; i++) {
        TwPacketInfo pi = pi_udp(100 + i, 50000, 88);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col, .counters = counters };
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_REQ, v_as_req, sizeof v_as_req, sizeof v_as_req);
    }
    const guint64 *capped = g_hash_table_lookup(counters, g_intern_string("kerberos.pending_cap"));
    g_assert_nonnull(capped);
    g_assert_cmpuint(*capped, ==, 6);
    for (guint i = 0; i < 10; i++) {
        TwPacketInfo pi = pi_udp(1000 + i, 88, 50000);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col, .counters = counters };
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_RSP, v_as_rep, sizeof v_as_rep, sizeof v_as_rep);
    }
    g_assert_cmpuint(col.events->len, ==, n_req + 10);
    for (guint i = 0; i < 10; i++)
        g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, n_req + i), "reply_to", 0), ==, 106 + i);
    tw_krb5_udp_parser.state_free(st);

    /* a few: all kept, in order */
    st = tw_krb5_udp_parser.state_new();
    g_ptr_array_set_size(col.events, 0);
    for (guint i = 0; i < 7; i++) {
        TwPacketInfo pi = pi_udp(200 + i, 50000, 88);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_REQ, v_as_req, sizeof v_as_req, sizeof v_as_req);
    }
    for (guint i = 0; i < 7; i++) {
        TwPacketInfo pi = pi_udp(300 + i, 88, 50000);
        TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
        tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_RSP, v_as_rep, sizeof v_as_rep, sizeof v_as_rep);
        g_assert_cmpint(tw_event_get_int(g_ptr_array_index(col.events, 7 + i), "reply_to", 0), ==, 200 + i);
    }
    tw_krb5_udp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

/* A DER TLV of `tag` around `content` (freed), short or long form. */
static GByteArray *der_tlv(guint8 tag, GByteArray *content)
{
    GByteArray *t = g_byte_array_new();
    guint n = content ? content->len : 0;
    guint8 h[5] = { tag };
    guint hl;
    if (n < 0x80) {
        h[1] = (guint8)n;
        hl = 2;
    } else if (n < 0x100) {
        h[1] = 0x81;
        h[2] = (guint8)n;
        hl = 3;
    } else if (n < 0x10000) {
        h[1] = 0x82;
        h[2] = (guint8)(n >> 8);
        h[3] = (guint8)n;
        hl = 4;
    } else {
        g_assert_cmpuint(n, <, 0x1000000);
        h[1] = 0x83;
        h[2] = (guint8)(n >> 16);
        h[3] = (guint8)(n >> 8);
        h[4] = (guint8)n;
        hl = 5;
    }
    g_byte_array_append(t, h, hl);
    if (content) {
        g_byte_array_append(t, content->data, content->len);
        g_byte_array_unref(content);
    }
    return t;
}

static GByteArray *der_cat(GByteArray *a, GByteArray *b)
{
    g_byte_array_append(a, b->data, b->len);
    g_byte_array_unref(b);
    return a;
}

static GByteArray *der_int(gint64 v)
{
    GByteArray *c = g_byte_array_new();
    guint8 b = (guint8)v;
    g_byte_array_append(c, &b, 1);
    return der_tlv(0x02, c);
}

static GByteArray *der_str(guint8 tag, const char *s)
{
    GByteArray *c = g_byte_array_new();
    g_byte_array_append(c, (const guint8 *)s, (guint)strlen(s));
    return der_tlv(tag, c);
}

/* RFC 4120 5.2.2 PrincipalName { [0] name-type, [1] SEQUENCE OF KerberosString }. */
static GByteArray *der_principal(gint64 type, const char *const *comp, guint n)
{
    GByteArray *names = g_byte_array_new();
    for (guint i = 0; i < n; i++)
        names = der_cat(names, der_str(0x1b, comp[i]));
    GByteArray *seq = der_tlv(0xa0, der_int(type));
    seq = der_cat(seq, der_tlv(0xa1, der_tlv(0x30, names)));
    return der_tlv(0x30, seq);
}

/* Principal names joined with '/', however long, and cut (marked) beyond
 * TW_KRB5_MAX_NAME_COMPONENTS components: a KRB-ERROR built here. */
static void test_long_principal_names(void)
{
    g_autofree char *c1 = g_strnfill(150, 'a');
    g_autofree char *c2 = g_strnfill(190, 'b');
    g_autofree char *c3 = g_strnfill(70, 'c');
    const char *sname[] = { c1, c2, c3, "" , "d" };
    const char *many[TW_KRB5_MAX_NAME_COMPONENTS + 3];
    for (guint i = 0; i < G_N_ELEMENTS(many); i++)
        many[i] = i % 2 ? "x" : "yz";
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(30)));
    body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
    body = der_cat(body, der_tlv(0xa5, der_int(0)));
    body = der_cat(body, der_tlv(0xa6, der_int(6)));
    body = der_cat(body, der_tlv(0xa8, der_principal(1, many, G_N_ELEMENTS(many))));
    body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
    body = der_cat(body, der_tlv(0xaa, der_principal(2, sname, G_N_ELEMENTS(sname))));
    GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
    g_autoptr(TwEvent) ev = parse(msg->data, msg->len, false);
    g_assert_nonnull(ev);
    g_assert_false(tw_event_has(ev, "decode_status"));
    g_autofree char *want = g_strjoin("/", c1, c2, c3, "", "d", NULL);
    g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, want);
    g_assert_false(tw_event_is_truncated(ev, "sname"));
    g_assert_cmpint(tw_event_get_int(ev, "sname_type", -1), ==, 2);
    GString *cw = g_string_new(NULL);
    for (guint i = 0; i < TW_KRB5_MAX_NAME_COMPONENTS; i++)
        g_string_append_printf(cw, "%s%s", i ? "/" : "", many[i]);
    g_assert_cmpstr(tw_event_get_str(ev, "cname"), ==, cw->str);
    g_assert_true(tw_event_is_truncated(ev, "cname"));
    g_string_free(cw, TRUE);
    g_byte_array_unref(msg);
}

/* PA-DATA types and ETYPE-INFO2 etypes go to INTLIST keys, at most
 * TW_KRB5_MAX_LIST values each, in message order, also when an ETYPE-INFO2
 * sits among the PA-DATA (its own list inside the PA-DATA's): a KRB-ERROR
 * whose e-data is a METHOD-DATA built here. */
static void test_padata_lists_capped(void)
{
    const guint n_pa = TW_KRB5_MAX_LIST + 6, n_et = TW_KRB5_MAX_LIST + 3, at = 5;
    GByteArray *entries = g_byte_array_new();
    for (guint i = 0; i < n_et; i++)
        entries = der_cat(entries, der_tlv(0x30, der_tlv(0xa0, der_int((gint64)(i % 100)))));
    GByteArray *methods = g_byte_array_new();
    for (guint i = 0; i < n_pa; i++) {
        GByteArray *pa = der_tlv(0xa1, der_int(i == at ? 19 : (gint64)(100 + i % 20)));
        pa = der_cat(pa, der_tlv(0xa2, der_tlv(0x04, i == at ? der_tlv(0x30, g_byte_array_ref(entries)) : NULL)));
        methods = der_cat(methods, der_tlv(0x30, pa));
    }
    g_byte_array_unref(entries);
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(30)));
    body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
    body = der_cat(body, der_tlv(0xa5, der_int(0)));
    body = der_cat(body, der_tlv(0xa6, der_int(25)));
    body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
    body = der_cat(body, der_tlv(0xac, der_tlv(0x04, der_tlv(0x30, methods))));
    GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
    g_autoptr(TwEvent) ev = parse(msg->data, msg->len, false);
    g_assert_nonnull(ev);
    g_assert_false(tw_event_has(ev, "decode_status"));
    const TwField *pf = tw_event_get(ev, "e_data_padata");
    g_assert_nonnull(pf);
    g_assert_cmpint(pf->type, ==, TW_FIELD_INTLIST);
    g_assert_cmpuint(pf->v.ilist->len, ==, TW_KRB5_MAX_LIST);
    for (guint i = 0; i < TW_KRB5_MAX_LIST; i++)
        g_assert_cmpint(ilist_at(ev, "e_data_padata", i), ==, i == at ? 19 : (gint64)(100 + i % 20));
    const TwField *sf = tw_event_get(ev, "salt_etypes");
    g_assert_nonnull(sf);
    g_assert_cmpint(sf->type, ==, TW_FIELD_INTLIST);
    g_assert_cmpuint(sf->v.ilist->len, ==, TW_KRB5_MAX_LIST);
    for (guint i = 0; i < TW_KRB5_MAX_LIST; i++)
        g_assert_cmpint(ilist_at(ev, "salt_etypes", i), ==, (gint64)(i % 100));
    g_byte_array_unref(msg);
}

/* An AP-REQ's ticket names the message's realm and service whatever their
 * length (kept in the ticket's record, on the heap when long): AP-REQs
 * built here with realms and service names around those sizes. */
static void test_ticket_name_lengths(void)
{
    const guint lens[] = { 1, 9, 62, 63, 64, 65, 95, 96, 97, 200, 1000 };
    for (guint li = 0; li < G_N_ELEMENTS(lens); li++) {
        g_autofree char *realm = g_strnfill(lens[li], 'R');
        g_autofree char *host = g_strnfill(lens[G_N_ELEMENTS(lens) - 1 - li], 'h');
        /* the last round: more components than are kept, the name is marked cut */
        const bool many = li == G_N_ELEMENTS(lens) - 1;
        const char *sname[TW_KRB5_MAX_NAME_COMPONENTS + 2] = { "cifs", host };
        guint ncomp = many ? G_N_ELEMENTS(sname) : 2;
        for (guint c = 2; c < ncomp; c++)
            sname[c] = "x";
        GByteArray *enc = der_tlv(0xa0, der_int(18));
        enc = der_cat(enc, der_tlv(0xa1, der_int(3)));
        enc = der_cat(enc, der_tlv(0xa2, der_str(0x04, "cipher")));
        GByteArray *tkt = der_tlv(0xa0, der_int(5));
        tkt = der_cat(tkt, der_tlv(0xa1, der_str(0x1b, realm)));
        tkt = der_cat(tkt, der_tlv(0xa2, der_principal(2, sname, ncomp)));
        tkt = der_cat(tkt, der_tlv(0xa3, der_tlv(0x30, enc)));
        GByteArray *auth = der_tlv(0xa0, der_int(23));
        auth = der_cat(auth, der_tlv(0xa2, der_str(0x04, "authenticator")));
        GByteArray *body = der_tlv(0xa0, der_int(5));
        body = der_cat(body, der_tlv(0xa1, der_int(14)));
        body = der_cat(body, der_tlv(0xa2, der_str(0x03, "\x01\x02\x03\x04\x05")));
        body = der_cat(body, der_tlv(0xa3, der_tlv(0x61, der_tlv(0x30, tkt))));
        body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, auth)));
        GByteArray *msg = der_tlv(0x6e, der_tlv(0x30, body));
        g_autoptr(TwEvent) ev = parse(msg->data, msg->len, li % 2 == 1);
        g_assert_nonnull(ev);
        g_assert_false(tw_event_has(ev, "decode_status"));
        GString *want = g_string_new("cifs/");
        g_string_append(want, host);
        for (guint c = 2; c < MIN(ncomp, TW_KRB5_MAX_NAME_COMPONENTS); c++)
            g_string_append(want, "/x");
        g_autofree char *want_sname = g_string_free(want, FALSE);
        g_assert_cmpstr(tw_event_get_str(ev, "ticket_realm"), ==, realm);
        g_assert_cmpstr(tw_event_get_str(ev, "realm"), ==, realm);
        g_assert_cmpstr(tw_event_get_str(ev, "ticket_sname"), ==, want_sname);
        g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, want_sname);
        g_assert_true(tw_event_is_truncated(ev, "sname") == many);
        g_assert_true(tw_event_is_truncated(ev, "ticket_sname") == many);
        g_assert_false(tw_event_is_truncated(ev, "realm"));
        g_assert_cmpint(tw_event_get_int(ev, "sname_type", -1), ==, 2);
        g_assert_cmpint(tw_event_get_int(ev, "ticket_etype", -1), ==, 18);
        g_assert_cmpint(tw_event_get_int(ev, "ticket_kvno", -1), ==, 3);
        g_assert_cmpint(tw_event_get_int(ev, "enc_etype", -1), ==, 23);
        g_byte_array_unref(msg);
    }
}

/* A KRB-ERROR built here whose realm field [9] has identifier octet `id`
 * (0xa9 when well formed) and whose error-code [6] holds `extra` after
 * its INTEGER; an unknown field [25] comes before the realm. */
static GByteArray *error_with_fields(guint8 id, bool extra)
{
    const char *sname[] = { "krbtgt", "EXAMPLE.ORG" };
    GByteArray *code = der_int(6);
    if (extra)
        code = der_cat(code, der_tlv(0x05, NULL)); /* a NULL after the value: ignored */
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(30)));
    body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
    body = der_cat(body, der_tlv(0xa5, der_int(0)));
    body = der_cat(body, der_tlv(0xa6, code));
    body = der_cat(body, der_tlv(0xb9, der_str(0x1b, "UNKNOWN.TAG"))); /* [25]: skipped (RFC 4120 5.1 extensions) */
    body = der_cat(body, der_tlv(id, der_str(0x1b, "EXAMPLE.ORG")));
    body = der_cat(body, der_tlv(0xaa, der_principal(2, sname, 2)));
    return der_tlv(0x7e, der_tlv(0x30, body));
}

/* RFC 4120 5.1 / X.690 8.14: every field of a SEQUENCE is an explicit
 * context tag, constructed, around one value (what follows that value inside
 * the tag is skipped); any other identifier makes the message MALFORMED at
 * that field, keeping what came before. */
static void test_field_identifiers(void)
{
    const guint8 bad_ids[] = { 0x89 /* [9] primitive */, 0x69 /* [APPLICATION 9] */, 0x29 /* universal constructed */,
                               0xe9 /* [PRIVATE 9] */ };
    for (guint i = 0; i <= G_N_ELEMENTS(bad_ids); i++) {
        bool good = i == G_N_ELEMENTS(bad_ids);
        GByteArray *msg = error_with_fields(good ? 0xa9 : bad_ids[i], true);
        for (int tree = 0; tree < 2; tree++) {
            g_autoptr(TwEvent) ev = parse(msg->data, msg->len, tree);
            g_assert_nonnull(ev);
            g_assert_cmpint(tw_event_get_int(ev, "error_code", -1), ==, 6);
            if (good) {
                g_assert_false(tw_event_has(ev, "decode_status"));
                g_assert_cmpstr(tw_event_get_str(ev, "realm"), ==, "EXAMPLE.ORG");
                g_assert_cmpstr(tw_event_get_str(ev, "sname"), ==, "krbtgt/EXAMPLE.ORG");
            } else {
                g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, "malformed");
                g_assert_true(tw_event_get_bool(ev, "malformed", false));
                g_assert_false(tw_event_has(ev, "realm"));
                g_assert_false(tw_event_has(ev, "sname"));
            }
        }
        g_byte_array_unref(msg);
    }
}

/* X.690 8.3 INTEGER as read by every Int32/UInt32 field: two's complement
 * of 1 to 8 octets; 9 octets is LIMIT; another tag or a constructed one is
 * MALFORMED (the field is left out, the walk goes on).  KRB-ERRORs built
 * here with the error-code [6] given as raw TLV bytes. */
static void test_integer_forms(void)
{
    static const struct {
        guint8 tlv[12];
        guint n;
        const char *status; /* NULL: read */
        gint64 value;
    } cases[] = {
        { { 0x02, 0x01, 0x06 }, 3, NULL, 6 },
        { { 0x02, 0x01, 0xff }, 3, NULL, -1 },
        { { 0x02, 0x02, 0xff, 0x7f }, 4, NULL, -129 },
        { { 0x02, 0x02, 0x00, 0x80 }, 4, NULL, 128 },
        { { 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 10, NULL, G_MAXINT64 },
        { { 0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, NULL, G_MININT64 },
        { { 0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 11, "limit", 0 },
        { { 0x02, 0x00 }, 2, "malformed", 0 },
        { { 0x04, 0x01, 0x06 }, 3, "malformed", 0 },
        { { 0x0a, 0x01, 0x06 }, 3, "malformed", 0 },      /* ENUMERATED */
        { { 0x82, 0x01, 0x06 }, 3, "malformed", 0 },      /* [2] primitive */
        { { 0x22, 0x03, 0x02, 0x01, 0x06 }, 5, "malformed", 0 }, /* constructed */
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *code = g_byte_array_new();
        g_byte_array_append(code, cases[i].tlv, cases[i].n);
        GByteArray *body = der_tlv(0xa0, der_int(5));
        body = der_cat(body, der_tlv(0xa1, der_int(30)));
        body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
        body = der_cat(body, der_tlv(0xa5, der_int(0)));
        body = der_cat(body, der_tlv(0xa6, code));
        body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
        GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
        g_autoptr(TwEvent) ev = parse(msg->data, msg->len, i % 2);
        g_assert_nonnull(ev);
        g_assert_cmpstr(tw_event_get_str(ev, "decode_status"), ==, cases[i].status);
        if (cases[i].status)
            g_assert_false(tw_event_has(ev, "error_code"));
        else
            g_assert_cmpint(tw_event_get_int(ev, "error_code", 0), ==, cases[i].value);
        g_assert_cmpstr(tw_event_get_str(ev, "realm"), ==, "EXAMPLE.ORG");
        g_byte_array_unref(msg);
    }
}

static GByteArray *raw(const char *bytes, guint n)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)bytes, n);
    return b;
}

/* A KRB-ERROR built here with cname [8] = `cname` (freed). */
static GByteArray *error_with_cname(GByteArray *cname)
{
    const char *sname[] = { "krbtgt", "EXAMPLE.ORG" };
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(30)));
    body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
    body = der_cat(body, der_tlv(0xa5, der_int(0)));
    body = der_cat(body, der_tlv(0xa6, der_int(6)));
    body = der_cat(body, der_tlv(0xa8, cname));
    body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
    body = der_cat(body, der_tlv(0xaa, der_principal(2, sname, 2)));
    return der_tlv(0x7e, der_tlv(0x30, body));
}

static char *event_json(const TwEvent *ev)
{
    GString *j = g_string_new(NULL);
    tw_event_to_json(ev, j);
    return g_string_free(j, FALSE);
}

/* RFC 4120 5.2.2 PrincipalName in every shape: the event is the same with
 * and without the teaching view (which reads every name with the table
 * walker), and the plain shapes give the joined name. */
static void test_principal_shapes(void)
{
    const char *many[TW_KRB5_MAX_NAME_COMPONENTS + 2];
    for (guint i = 0; i < G_N_ELEMENTS(many); i++)
        many[i] = "m";
    g_autofree char *c200 = g_strnfill(200, 'L');
    const char *long_comp[] = { "host", c200 };
    const char *ab[] = { "a", "b" };
    const char *empty[] = { "", "x", "" };
    struct {
        GByteArray *name;
        const char *want; /* NULL: not checked */
    } cases[] = {
        { der_principal(1, ab, 2), "a/b" },
        { der_principal(-128 & 0xff, ab, 2), "a/b" },
        { der_principal(1, NULL, 0), NULL },
        { der_principal(1, empty, 3), "/x/" },
        { der_principal(1, many, G_N_ELEMENTS(many)), NULL },
        { der_principal(10, long_comp, 2), NULL },
        /* name-type: 8 and 9 octets, an OCTET STRING, trailing bytes */
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x08\x80\0\0\0\0\0\0\x01", 10)),
                                der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), "u" },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x09\0\x80\0\0\0\0\0\0\x01", 11)),
                                der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x04\x01\x01", 3)),
                                der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x01\x01\x05\x00", 5)),
                                der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), "u" },
        /* name-string: trailing bytes after the SEQUENCE, fields swapped, an extra field */
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)),
                                der_tlv(0xa1, der_cat(der_tlv(0x30, der_str(0x1b, "u")), raw("\x05\x00", 2))))), "u" },
        { der_tlv(0x30, der_cat(der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))), der_tlv(0xa0, der_int(3)))), "u" },
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u")))),
                                der_tlv(0xa2, der_int(7)))), "u" },
        { der_tlv(0x30, der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u")))), "u" },
        { der_tlv(0x30, der_tlv(0xa0, der_int(1))), NULL },
        /* components: other universal tags, non-ASCII, NUL, context class, constructed */
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)),
                                der_tlv(0xa1, der_tlv(0x30, der_cat(der_str(0x0c, "utf8"), der_str(0x02, "int")))))), "utf8/int" },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "caf\xc3\xa9"))))), "caf\xc3\xa9" },
        /* a plain component, then one the walk must read: joined once */
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)),
                                der_tlv(0xa1, der_tlv(0x30, der_cat(der_str(0x1b, "ok"), der_str(0x1b, "caf\xc3\xa9")))))),
          "ok/caf\xc3\xa9" },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, raw("\x1b\x03" "a\0b", 5))))), "a\xef\xbf\xbd" "b" },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, raw("\x1b\x02" "a\xff", 4))))), "a\xef\xbf\xbd" },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, raw("\x80\x01" "a", 3))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, raw("\x3b\x03\x1b\x01" "a", 5))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x31, der_str(0x1b, "u"))))), NULL },
        { der_tlv(0x31, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0x81, der_tlv(0x30, der_str(0x1b, "u"))))), NULL },
        { der_tlv(0x30, der_cat(der_tlv(0x80, der_int(1)), der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, "u"))))), NULL },
        /* long-form lengths everywhere */
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(1)), der_tlv(0xa1, der_tlv(0x30, der_str(0x1b, c200))))), c200 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *msg = error_with_cname(cases[i].name);
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        if (cases[i].want)
            g_assert_cmpstr(tw_event_get_str(plain, "cname"), ==, cases[i].want);
        /* and cut by the capture at every length inside the name */
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* An AP-REQ built here: its ticket's enc-part and its authenticator are
 * the EncryptedData `enc` (freed; the authenticator a copy). */
static GByteArray *ap_req_with_enc(GByteArray *enc)
{
    const char *sname[] = { "cifs", "srv.example.org" };
    GByteArray *auth = g_byte_array_new();
    g_byte_array_append(auth, enc->data, enc->len);
    GByteArray *tkt = der_tlv(0xa0, der_int(5));
    tkt = der_cat(tkt, der_tlv(0xa1, der_str(0x1b, "EXAMPLE.ORG")));
    tkt = der_cat(tkt, der_tlv(0xa2, der_principal(2, sname, 2)));
    tkt = der_cat(tkt, der_tlv(0xa3, enc));
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(14)));
    body = der_cat(body, der_tlv(0xa2, der_tlv(0x03, raw("\x00\x20\x00\x00\x00", 5))));
    body = der_cat(body, der_tlv(0xa3, der_tlv(0x61, der_tlv(0x30, tkt))));
    body = der_cat(body, der_tlv(0xa4, auth));
    return der_tlv(0x6e, der_tlv(0x30, body));
}

/* RFC 4120 5.2.9 EncryptedData in every shape: the event is the same with
 * and without the teaching view (which reads it with the table walker); the
 * plain shapes give etype and kvno (a UInt32). */
static void test_encrypted_data_shapes(void)
{
    g_autofree char *big = g_strnfill(300, 'C');
    struct {
        GByteArray *enc;
        gint64 etype, kvno; /* -2: not checked; kvno -1: absent */
    } cases[] = {
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_int(2))), der_tlv(0xa2, der_str(0x04, "ct")))), 18, 2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(23)), der_tlv(0xa2, der_str(0x04, "ct")))), 23, -1 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(23)), der_tlv(0xa2, der_str(0x04, "")))), 23, -1 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x04, big)))), 18, -1 },
        /* kvno >= 2^31 sent as a negative INTEGER (Windows), and as 5 octets */
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x02\x04\x80\0\0\x01", 6))),
                                der_tlv(0xa2, der_str(0x04, "ct")))), 18, G_GINT64_CONSTANT(0x80000001) },
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x02\x01\xff", 3))),
                                der_tlv(0xa2, der_str(0x04, "ct")))), 18, G_GINT64_CONSTANT(0xffffffff) },
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x02\x05\xff\x80\0\0\x01", 7))),
                                der_tlv(0xa2, der_str(0x04, "ct")))), 18, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x01\x80", 3)), der_tlv(0xa2, der_str(0x04, "ct")))), -128, -1 },
        /* odd shapes: swapped, missing etype or cipher, extra field, wrong types, 9 octets */
        { der_tlv(0x30, der_cat(der_tlv(0xa2, der_str(0x04, "ct")), der_tlv(0xa0, der_int(18)))), 18, -1 },
        { der_tlv(0x30, der_tlv(0xa2, der_str(0x04, "ct"))), -2, -2 },
        { der_tlv(0x30, der_tlv(0xa0, der_int(18))), -2, -2 },
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x04, "ct"))), der_tlv(0xa3, der_int(1)))), 18, -1 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x1b, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, raw("\x24\x04\x04\x02" "ct", 6)))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_str(0x04, "x")), der_tlv(0xa2, der_str(0x04, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x04, "x"))), der_tlv(0xa2, der_str(0x04, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x09\0\x80\0\0\0\0\0\0\x12", 11)), der_tlv(0xa2, der_str(0x04, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x01\x12\x05\x00", 5)), der_tlv(0xa2, der_str(0x04, "ct")))), 18, -1 },
        { der_tlv(0x31, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x04, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0x80, der_int(18)), der_tlv(0xa2, der_str(0x04, "ct")))), -2, -2 },
        { der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0x82, der_str(0x04, "ct")))), -2, -2 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *msg = ap_req_with_enc(cases[i].enc);
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        if (i < 8) /* the plain shapes: a clean message */
            g_assert_false(tw_event_has(plain, "decode_status"));
        if (cases[i].etype != -2) {
            g_assert_cmpint(tw_event_get_int(plain, "ticket_etype", -3), ==, cases[i].etype);
            g_assert_cmpint(tw_event_get_int(plain, "enc_etype", -3), ==, cases[i].etype);
        }
        if (cases[i].kvno != -2)
            g_assert_cmpint(tw_event_get_int(plain, "ticket_kvno", -1), ==, cases[i].kvno);
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* RFC 4120 5.10: the APPLICATION tag is the message type; a msg-type field
 * that says otherwise is kept aside as msg_type_field. */
static void test_msg_type_field(void)
{
    for (gint64 field = 29; field <= 31; field++) {
        GByteArray *body = der_tlv(0xa0, der_int(5));
        body = der_cat(body, der_tlv(0xa1, der_int(field)));
        body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
        body = der_cat(body, der_tlv(0xa5, der_int(0)));
        body = der_cat(body, der_tlv(0xa6, der_int(6)));
        GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
        g_autoptr(TwEvent) ev = parse(msg->data, msg->len, field == 31);
        g_assert_nonnull(ev);
        g_assert_cmpint(tw_event_get_int(ev, "msg_type", -1), ==, 30);
        if (field == 30)
            g_assert_false(tw_event_has(ev, "msg_type_field"));
        else
            g_assert_cmpint(tw_event_get_int(ev, "msg_type_field", -1), ==, field);
        g_byte_array_unref(msg);
    }
}

/* An AP-REQ built here whose ticket's SEQUENCE holds `fields` (freed). */
static GByteArray *ap_req_with_ticket(GByteArray *fields)
{
    GByteArray *auth = der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(23)), der_tlv(0xa2, der_str(0x04, "auth"))));
    GByteArray *body = der_tlv(0xa0, der_int(5));
    body = der_cat(body, der_tlv(0xa1, der_int(14)));
    body = der_cat(body, der_tlv(0xa2, der_tlv(0x03, raw("\x00\x20\x00\x00\x00", 5))));
    body = der_cat(body, der_tlv(0xa3, der_tlv(0x61, der_tlv(0x30, fields))));
    body = der_cat(body, der_tlv(0xa4, auth));
    return der_tlv(0x6e, der_tlv(0x30, body));
}

static GByteArray *tkt_fields(GByteArray *vno, GByteArray *realm, GByteArray *sname, GByteArray *enc)
{
    GByteArray *f = g_byte_array_new();
    if (vno)
        f = der_cat(f, der_tlv(0xa0, vno));
    if (realm)
        f = der_cat(f, der_tlv(0xa1, realm));
    if (sname)
        f = der_cat(f, der_tlv(0xa2, sname));
    if (enc)
        f = der_cat(f, der_tlv(0xa3, enc));
    return f;
}

static GByteArray *plain_sname(void)
{
    const char *sn[] = { "cifs", "srv.example.org" };
    return der_principal(2, sn, 2);
}

static GByteArray *plain_enc(void)
{
    return der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_int(4))), der_tlv(0xa2, der_str(0x04, "ct"))));
}

/* RFC 4120 5.3 Ticket in every shape: the event is the same with and
 * without the teaching view (which reads it with the table walker); the
 * plain shapes give the ticket's realm, service, etype and kvno. */
/* b with its first (identifier) octet replaced by id. */
static GByteArray *retag(GByteArray *b, guint8 id)
{
    b->data[0] = id;
    return b;
}

static void test_ticket_shapes(void)
{
    g_autofree char *r63 = g_strnfill(63, 'R');
    g_autofree char *r64 = g_strnfill(64, 'R');
    g_autofree char *r300 = g_strnfill(300, 'R');
    const char *many[TW_KRB5_MAX_NAME_COMPONENTS + 1];
    for (guint i = 0; i < G_N_ELEMENTS(many); i++)
        many[i] = "m";
    const char *utf8_sn[] = { "caf\xc3\xa9" };
    struct {
        GByteArray *fields;
        const char *realm; /* NULL: not checked */
    } cases[] = {
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, r63), plain_sname(), plain_enc()), r63 },
        { tkt_fields(der_int(5), der_str(0x1b, r64), plain_sname(), plain_enc()), r64 },
        { tkt_fields(der_int(5), der_str(0x1b, r300), plain_sname(), plain_enc()), r300 },
        { tkt_fields(der_int(5), der_str(0x1b, ""), plain_sname(), plain_enc()), "" },
        { tkt_fields(der_int(5), der_str(0x0c, "UTF8.ORG"), plain_sname(), plain_enc()), "UTF8.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "CAF\xc3\x89.ORG"), plain_sname(), plain_enc()), "CAF\xc3\x89.ORG" },
        { tkt_fields(der_int(5), raw("\x1b\x03" "A\0B", 5), plain_sname(), plain_enc()), "A\xef\xbf\xbd" "B" },
        { tkt_fields(der_int(5), raw("\x3b\x03\x1b\x01" "A", 5), plain_sname(), plain_enc()), NULL },
        { tkt_fields(der_int(5), raw("\x80\x01" "A", 3), plain_sname(), plain_enc()), NULL },
        { tkt_fields(der_int(5), raw("\x1b\x01" "A\x05\x00", 5), plain_sname(), plain_enc()), "A" },
        { tkt_fields(raw("\x02\x09\0\x80\0\0\0\0\0\0\x05", 11), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_str(0x04, "x"), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(raw("\x22\x03\x02\x01\x05", 5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(NULL, der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), der_principal(1, utf8_sn, 1), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), der_principal(1, many, G_N_ELEMENTS(many)), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), der_principal(1, NULL, 0), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(),
                     der_tlv(0x30, der_tlv(0xa0, der_int(18)))), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), NULL), "EXAMPLE.ORG" },
        { der_cat(tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc()), der_tlv(0xa4, der_int(1))), "EXAMPLE.ORG" },
        { der_cat(tkt_fields(der_int(5), NULL, plain_sname(), plain_enc()), der_tlv(0xa1, der_str(0x1b, "LATE.ORG"))), "LATE.ORG" },
        { der_cat(tkt_fields(der_int(5), der_str(0x1b, "FIRST.ORG"), plain_sname(), plain_enc()), der_tlv(0xa1, der_str(0x1b, "SECOND.ORG"))), "SECOND.ORG" },
        { der_cat(tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), NULL, NULL), raw("\xa2\x00", 2)), NULL },
        { der_cat(der_cat(der_tlv(0xa0, der_int(5)), der_tlv(0xa0, der_str(0x1b, "ZERO.ORG"))),
                  tkt_fields(NULL, NULL, plain_sname(), plain_enc())), NULL }, /* [0] twice, no realm */
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), der_cat(plain_sname(), raw("\x05\x00", 2)), plain_enc()), "EXAMPLE.ORG" },
        /* sname or enc-part a SET / [0] with plain contents: not a plain Ticket */
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), retag(plain_sname(), 0x31), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), retag(plain_sname(), 0xa0), plain_enc()), "EXAMPLE.ORG" },
        { tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), retag(plain_enc(), 0x31)), "EXAMPLE.ORG" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *msg = ap_req_with_ticket(cases[i].fields);
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        if (cases[i].realm)
            g_assert_cmpstr(tw_event_get_str(plain, "ticket_realm"), ==, cases[i].realm);
        if (i < 6) { /* the plain shapes */
            g_assert_false(tw_event_has(plain, "decode_status"));
            g_assert_cmpstr(tw_event_get_str(plain, "ticket_sname"), ==, "cifs/srv.example.org");
            g_assert_cmpint(tw_event_get_int(plain, "sname_type", -1), ==, 2);
            g_assert_cmpint(tw_event_get_int(plain, "ticket_etype", -1), ==, 18);
            g_assert_cmpint(tw_event_get_int(plain, "ticket_kvno", -1), ==, 4);
        }
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

static GByteArray *pa(GByteArray *type, GByteArray *value)
{
    GByteArray *f = g_byte_array_new();
    if (type)
        f = der_cat(f, der_tlv(0xa1, type));
    if (value)
        f = der_cat(f, der_tlv(0xa2, value));
    return der_tlv(0x30, f);
}

/* RFC 4120 5.2.7 PA-DATA in every shape, in a KRB-ERROR's METHOD-DATA and
 * an AS-REQ's padata: the event is the same with and without the teaching
 * view (which reads each with the table walker). */
static void test_padata_shapes(void)
{
    GByteArray *info2 = der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)),
                                                           der_tlv(0xa1, der_str(0x1b, "EXAMPLE.ORGhost")))));
    GByteArray *ts = der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x04, "enc-ts"))));
    GByteArray *pac = der_tlv(0x30, der_tlv(0xa0, raw("\x01\x01\xff", 3)));
    GByteArray *shapes[] = {
        pa(der_int(2), der_tlv(0x04, NULL)),
        pa(der_int(19), der_tlv(0x04, g_byte_array_ref(info2))),
        pa(der_int(3), der_str(0x04, "salt")),
        pa(raw("\x02\x02\x00\x80", 4), der_tlv(0x04, g_byte_array_ref(pac))), /* 128 */
        pa(der_int(2), der_tlv(0x04, g_byte_array_ref(ts))),
        pa(raw("\x02\x01\xff", 3), der_str(0x04, "x")),
        pa(raw("\x02\x08\0\0\0\0\0\0\0\x13", 10), der_tlv(0x04, g_byte_array_ref(info2))),
        der_tlv(0x30, der_cat(der_tlv(0xa2, der_str(0x04, "salt")), der_tlv(0xa1, der_int(3)))),
        pa(der_int(2), NULL),
        pa(der_int(3), der_str(0x04, "salt")),
        der_tlv(0x30, der_cat(der_cat(der_tlv(0xa1, der_int(3)), der_tlv(0xa2, der_str(0x04, "salt"))), der_tlv(0xa3, der_int(1)))),
        pa(raw("\x02\x09\0\x80\0\0\0\0\0\0\x02", 11), der_str(0x04, "x")),
        pa(der_int(3), raw("\x24\x06\x04\x04salt", 8)),
        pa(der_int(3), der_str(0x1b, "salt")),
        pa(der_str(0x04, "\x03"), der_str(0x04, "salt")),
        pa(raw("\x02\x01\x03\x05\x00", 5), der_str(0x04, "salt")),
        der_tlv(0x31, der_cat(der_tlv(0xa1, der_int(3)), der_tlv(0xa2, der_str(0x04, "salt")))),
        der_tlv(0x30, der_cat(der_tlv(0x81, der_int(3)), der_tlv(0xa2, der_str(0x04, "salt")))),
        der_tlv(0x30, der_cat(der_tlv(0xa1, der_int(3)), der_tlv(0x82, der_str(0x04, "salt")))),
        der_tlv(0x30, der_cat(der_tlv(0xa1, der_int(3)), der_tlv(0xa2, der_cat(der_str(0x04, "salt"), raw("\x05\x00", 2))))),
        /* HostAddress's tags ([0], [1]) or [1] twice: not a plain PA-DATA */
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(3)), der_tlv(0xa1, der_str(0x04, "salt")))),
        der_tlv(0x30, der_cat(der_tlv(0xa1, der_int(3)), der_tlv(0xa1, der_str(0x04, "salt")))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(3)), der_tlv(0xa2, der_str(0x04, "salt")))),
    };
    g_byte_array_unref(info2);
    g_byte_array_unref(ts);
    g_byte_array_unref(pac);
    for (guint i = 0; i < G_N_ELEMENTS(shapes); i++) {
        for (int as_req = 0; as_req < 2; as_req++) {
            GByteArray *two = g_byte_array_new(); /* the shape, then a plain PA-DATA after it */
            g_byte_array_append(two, shapes[i]->data, shapes[i]->len);
            two = der_cat(two, pa(raw("\x02\x02\x00\x95", 4), der_tlv(0x04, NULL))); /* 149 */
            GByteArray *msg;
            if (as_req) {
                const char *cn[] = { "user" }, *sn[] = { "krbtgt", "EXAMPLE.ORG" };
                GByteArray *rb = der_tlv(0xa0, der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5)));
                rb = der_cat(rb, der_tlv(0xa1, der_principal(1, cn, 1)));
                rb = der_cat(rb, der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG")));
                rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
                rb = der_cat(rb, der_tlv(0xa5, der_str(0x18, "20370913024805Z")));
                rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
                rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_int(18))));
                GByteArray *body = der_tlv(0xa1, der_int(5));
                body = der_cat(body, der_tlv(0xa2, der_int(10)));
                body = der_cat(body, der_tlv(0xa3, der_tlv(0x30, two)));
                body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
                msg = der_tlv(0x6a, der_tlv(0x30, body));
            } else {
                GByteArray *body = der_tlv(0xa0, der_int(5));
                body = der_cat(body, der_tlv(0xa1, der_int(30)));
                body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
                body = der_cat(body, der_tlv(0xa5, der_int(0)));
                body = der_cat(body, der_tlv(0xa6, der_int(25)));
                body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
                body = der_cat(body, der_tlv(0xac, der_tlv(0x04, der_tlv(0x30, two))));
                msg = der_tlv(0x7e, der_tlv(0x30, body));
            }
            g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
            g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
            g_assert_nonnull(plain);
            g_assert_nonnull(tree);
            g_autofree char *a = event_json(plain);
            g_autofree char *b = event_json(tree);
            g_assert_cmpstr(a, ==, b);
            if (i < 7) { /* the plain shapes */
                g_assert_false(tw_event_has(plain, "decode_status"));
                const char *key = as_req ? "padata" : "e_data_padata";
                g_assert_cmpint(ilist_at(plain, key, 1), ==, 149);
            }
            for (gsize n = 2; n < msg->len; n += 3) {
                guint8 *cut = g_memdup2(msg->data, n);
                TwPacketInfo pi = pi_udp(1, 88, 50000);
                TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
                TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
                TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
                g_autofree char *j1 = event_json(e1);
                g_autofree char *j2 = event_json(e2);
                g_assert_cmpstr(j1, ==, j2);
                tw_event_free(e1);
                tw_event_free(e2);
                g_free(cut);
            }
            g_byte_array_unref(msg);
        }
        g_byte_array_unref(shapes[i]);
    }
}

/* RFC 4120 5.4.1 etype (SEQUENCE OF Int32) in every shape, in an AS-REQ
 * built here: the event is the same with and without the teaching view
 * (which reads it element by element); the list is capped at
 * TW_KRB5_MAX_LIST. */
static void test_etype_list_shapes(void)
{
    GByteArray *long_list = g_byte_array_new();
    for (guint i = 0; i < TW_KRB5_MAX_LIST + 5; i++)
        long_list = der_cat(long_list, der_int((gint64)(i % 100)));
    GByteArray *shapes[] = {
        der_tlv(0x30, der_cat(der_cat(der_int(18), der_int(17)), der_int(23))),
        der_tlv(0x30, NULL),
        der_tlv(0x30, der_cat(raw("\x02\x01\x80", 3), raw("\x02\x08\x7f\xff\xff\xff\xff\xff\xff\xff", 10))),
        der_tlv(0x30, g_byte_array_ref(long_list)),
        der_tlv(0x30, der_cat(der_int(18), raw("\x02\x09\0\x80\0\0\0\0\0\0\x01", 11))),
        der_tlv(0x30, der_cat(der_int(18), raw("\x02\x00", 2))),
        der_tlv(0x30, der_cat(der_int(18), der_str(0x04, "x"))),
        der_tlv(0x30, der_cat(der_int(18), raw("\x22\x03\x02\x01\x11", 5))),
        der_tlv(0x31, der_cat(der_int(18), der_int(17))),
        der_int(18),
    };
    g_byte_array_unref(long_list);
    for (guint i = 0; i < G_N_ELEMENTS(shapes); i++) {
        const char *cn[] = { "user" }, *sn[] = { "krbtgt", "EXAMPLE.ORG" };
        GByteArray *rb = der_tlv(0xa0, der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5)));
        rb = der_cat(rb, der_tlv(0xa1, der_principal(1, cn, 1)));
        rb = der_cat(rb, der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG")));
        rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
        rb = der_cat(rb, der_tlv(0xa5, der_str(0x18, "20370913024805Z")));
        rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
        rb = der_cat(rb, der_tlv(0xa8, shapes[i]));
        GByteArray *body = der_tlv(0xa1, der_int(5));
        body = der_cat(body, der_tlv(0xa2, der_int(10)));
        body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
        GByteArray *msg = der_tlv(0x6a, der_tlv(0x30, body));
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        if (i == 0) {
            g_assert_cmpint(ilist_at(plain, "etypes", 0), ==, 18);
            g_assert_cmpint(ilist_at(plain, "etypes", 2), ==, 23);
        } else if (i == 2) {
            g_assert_cmpint(ilist_at(plain, "etypes", 0), ==, -128);
            g_assert_cmpint(ilist_at(plain, "etypes", 1), ==, G_MAXINT64);
        } else if (i == 3) {
            const TwField *f = tw_event_get(plain, "etypes");
            g_assert_nonnull(f);
            g_assert_cmpuint(f->v.ilist->len, ==, TW_KRB5_MAX_LIST);
            g_assert_cmpint(ilist_at(plain, "etypes", TW_KRB5_MAX_LIST - 1), ==, (TW_KRB5_MAX_LIST - 1) % 100);
        }
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* A plain Ticket (RFC 4120 5.3) for the AP-REQ shapes. */
static GByteArray *plain_ticket(void)
{
    return der_tlv(0x61, der_tlv(0x30, tkt_fields(der_int(5), der_str(0x1b, "EXAMPLE.ORG"), plain_sname(), plain_enc())));
}

/* The fields of a PA-TGS-REQ's AP-REQ: [0]..[4] with the values given (NULL: absent). */
static GByteArray *ap_req_fields(GByteArray *pvno, GByteArray *type, GByteArray *opts, GByteArray *tkt, GByteArray *auth)
{
    GByteArray *f = g_byte_array_new();
    if (pvno)
        f = der_cat(f, der_tlv(0xa0, pvno));
    if (type)
        f = der_cat(f, der_tlv(0xa1, type));
    if (opts)
        f = der_cat(f, der_tlv(0xa2, opts));
    if (tkt)
        f = der_cat(f, der_tlv(0xa3, tkt));
    if (auth)
        f = der_cat(f, der_tlv(0xa4, auth));
    return f;
}

/* RFC 4120 5.5.1 AP-REQ inside a PA-TGS-REQ (5.4.1) in every shape: the
 * event is the same with and without the teaching view (which walks it
 * from its table), cut every 3 bytes too; the plain shapes give the TGT's
 * fields and the authenticator's etype. */
static void test_pa_tgs_ap_req_shapes(void)
{
#define OPTS() der_tlv(0x03, raw("\x00\x00\x00\x00\x00", 5))
    GByteArray *seqs[] = {
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), OPTS(), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x03, raw("\x07\x80", 2)), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x03, raw("\x00", 1)), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_str(0x04, "x"), der_str(0x1b, "y"), OPTS(), plain_ticket(), plain_enc())),
        /* odd shapes */
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x03, raw("\x08\x00", 2)), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x03, NULL), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), raw("\x04\x05\x00\x00\x00\x00\x00", 7), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x23, OPTS()), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_tlv(0x43, raw("\x00\x00", 2)), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(NULL, der_int(14), OPTS(), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), OPTS(), NULL, plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), OPTS(), plain_ticket(), NULL)),
        der_tlv(0x30, der_cat(ap_req_fields(der_int(5), der_int(14), OPTS(), plain_ticket(), plain_enc()), der_tlv(0xa5, der_int(1)))),
        der_tlv(0x30, der_cat(ap_req_fields(der_int(5), der_int(14), OPTS(), NULL, NULL),
                              der_cat(der_tlv(0xa4, plain_enc()), der_tlv(0xa3, plain_ticket())))),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), der_cat(OPTS(), raw("\x05\x00", 2)), plain_ticket(), plain_enc())),
        der_tlv(0x30, ap_req_fields(der_int(5), der_int(14), OPTS(), retag(plain_ticket(), 0x62), plain_enc())),
        der_tlv(0x31, ap_req_fields(der_int(5), der_int(14), OPTS(), plain_ticket(), plain_enc())),
        der_tlv(0x30, der_cat(ap_req_fields(der_int(5), der_int(14), OPTS(), plain_ticket(), plain_enc()), raw("\x05\x00", 2))),
    };
#undef OPTS
    for (guint i = 0; i < G_N_ELEMENTS(seqs); i++) {
        const char *sn[] = { "krbtgt", "EXAMPLE.ORG" };
        GByteArray *rb = der_tlv(0xa0, der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5)));
        rb = der_cat(rb, der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG")));
        rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
        rb = der_cat(rb, der_tlv(0xa5, der_str(0x18, "20370913024805Z")));
        rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
        rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_int(18))));
        GByteArray *padata = pa(der_int(1), der_tlv(0x04, der_tlv(0x6e, seqs[i])));
        padata = der_cat(padata, pa(raw("\x02\x02\x00\x80", 4), der_tlv(0x04, der_tlv(0x30, der_tlv(0xa0, raw("\x01\x01\xff", 3))))));
        GByteArray *body = der_tlv(0xa1, der_int(5));
        body = der_cat(body, der_tlv(0xa2, der_int(12)));
        body = der_cat(body, der_tlv(0xa3, der_tlv(0x30, padata)));
        body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
        GByteArray *msg = der_tlv(0x6c, der_tlv(0x30, body));
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        if (i < 4) { /* the plain shapes */
            g_assert_false(tw_event_has(plain, "decode_status"));
            g_assert_cmpstr(tw_event_get_str(plain, "ticket_sname"), ==, "cifs/srv.example.org");
            g_assert_cmpstr(tw_event_get_str(plain, "ticket_realm"), ==, "EXAMPLE.ORG");
            g_assert_cmpint(tw_event_get_int(plain, "ticket_kvno", -1), ==, 4);
            g_assert_cmpint(tw_event_get_int(plain, "authenticator_etype", -1), ==, 18);
            g_assert_true(tw_event_get_bool(plain, "pac_request", false));
        }
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* RFC 4120 5.2.7.5 ETYPE-INFO2-ENTRY and 5.2.7.4 ETYPE-INFO-ENTRY in every
 * shape, in a KRB-ERROR's METHOD-DATA (PA-ETYPE-INFO2 19, PA-ETYPE-INFO 11),
 * each followed by a plain entry: the event is the same with and without
 * the teaching view (which walks each entry from its table), cut every 3
 * bytes too; the plain shapes give their salt and etypes. */
static void test_etype_info_shapes(void)
{
    GByteArray *entries[] = {
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x1b, "EXAMPLE.COMhost")))),
        der_tlv(0x30, der_tlv(0xa0, der_int(23))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(23)), der_tlv(0xa1, der_str(0x1b, "")))),
        der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x1b, "A"))),
                              der_tlv(0xa2, raw("\x04\x04\x00\x00\x10\x00", 6)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, raw("\x04\x04\x00\x00\x10\x00", 6)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x08\xff\xff\xff\xff\xff\xff\xff\x80", 10)), der_tlv(0xa1, der_str(0x04, "OCT")))),
        /* odd shapes */
        der_tlv(0x30, der_cat(der_tlv(0xa1, der_str(0x1b, "FIRST")), der_tlv(0xa0, der_int(18)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa0, der_int(17)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x1b, "caf\xc3\xa9")))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x1b\x03" "A\0B", 5)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x3b\x03\x1b\x01" "A", 5)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, raw("\x80\x01" "A", 3)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa2, der_str(0x1b, "P")))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa3, der_int(1)))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x09\0\x80\0\0\0\0\0\0\x12", 11)), der_tlv(0xa1, der_str(0x1b, "N")))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_cat(der_str(0x1b, "T"), raw("\x05\x00", 2))))),
        der_tlv(0x30, der_cat(der_tlv(0xa0, der_str(0x04, "\x12")), der_tlv(0xa1, der_str(0x1b, "I")))),
        der_tlv(0x30, der_tlv(0xa1, der_str(0x1b, "NOETYPE"))),
        der_tlv(0x31, der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x1b, "SET")))),
        der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(18)), der_tlv(0xa1, der_str(0x1b, "X"))), raw("\x05\x00", 2))),
    };
    for (guint i = 0; i < G_N_ELEMENTS(entries); i++) {
        for (int info2 = 0; info2 < 2; info2++) {
            GByteArray *list = g_byte_array_new();
            g_byte_array_append(list, entries[i]->data, entries[i]->len);
            list = der_cat(list, der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(17)),
                                                       der_tlv(0xa1, der_str(info2 ? 0x1b : 0x04, "LATER")))));
            GByteArray *md = pa(der_int(info2 ? 19 : 11), der_tlv(0x04, der_tlv(0x30, list)));
            md = der_cat(md, pa(der_int(2), der_tlv(0x04, NULL)));
            GByteArray *body = der_tlv(0xa0, der_int(5));
            body = der_cat(body, der_tlv(0xa1, der_int(30)));
            body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
            body = der_cat(body, der_tlv(0xa5, der_int(0)));
            body = der_cat(body, der_tlv(0xa6, der_int(25)));
            body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
            body = der_cat(body, der_tlv(0xac, der_tlv(0x04, der_tlv(0x30, md))));
            GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
            g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
            g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
            g_assert_nonnull(plain);
            g_assert_nonnull(tree);
            g_autofree char *a = event_json(plain);
            g_autofree char *b = event_json(tree);
            g_assert_cmpstr(a, ==, b);
            if (i == 0) {
                g_assert_cmpstr(tw_event_get_str(plain, "salt"), ==, (info2 ? "EXAMPLE.COMhost" : "LATER"));
                g_assert_cmpint(ilist_at(plain, "salt_etypes", 0), ==, 18);
                g_assert_cmpint(ilist_at(plain, "salt_etypes", 1), ==, 17);
            } else if (i < 5) {
                g_assert_cmpstr(tw_event_get_str(plain, "salt"), ==, (i == 3 && info2 ? "A" : "LATER"));
                g_assert_cmpint(ilist_at(plain, "salt_etypes", 1), ==, 17);
            } else if (i == 5) {
                g_assert_cmpstr(tw_event_get_str(plain, "salt"), ==, "OCT");
                g_assert_cmpint(ilist_at(plain, "salt_etypes", 0), ==, -128);
            }
            if (i < 6 && info2) /* ETYPE-INFO's salt is an OCTET STRING: a KerberosString there is malformed */
                g_assert_false(tw_event_has(plain, "decode_status"));
            for (gsize n = 2; n < msg->len; n += 3) {
                guint8 *cut = g_memdup2(msg->data, n);
                TwPacketInfo pi = pi_udp(1, 88, 50000);
                TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
                TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
                TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
                g_autofree char *j1 = event_json(e1);
                g_autofree char *j2 = event_json(e2);
                g_assert_cmpstr(j1, ==, j2);
                tw_event_free(e1);
                tw_event_free(e2);
                g_free(cut);
            }
            g_byte_array_unref(msg);
        }
        g_byte_array_unref(entries[i]);
    }
}

/* RFC 4120 5.2.1 KerberosString / 5.2.2 Realm fields into event keys
 * (KRB-ERROR crealm [7], realm [9], e-text [11]) in every shape: the event is
 * the same with and without the teaching view, cut every 3 bytes too; the
 * plain ASCII ones are the text. */
static void test_string_field_shapes(void)
{
    g_autofree char *big = g_strnfill(TW_DER_MAX_STRING + 10, 'B');
    struct {
        GByteArray *str;
        const char *want; /* realm; NULL: not checked */
    } cases[] = {
        { der_str(0x1b, "EXAMPLE.ORG"), "EXAMPLE.ORG" },
        { der_str(0x0c, "UTF8.ORG"), "UTF8.ORG" },
        { der_str(0x1b, ""), "" },
        { der_str(0x04, "OCTETS.ORG"), "OCTETS.ORG" },
        { der_str(0x1b, "CAF\xc3\x89.ORG"), "CAF\xc3\x89.ORG" },
        { raw("\x1b\x03" "A\0B", 5), "A\xef\xbf\xbd" "B" },
        { raw("\x1b\x02" "A\xff", 4), "A\xef\xbf\xbd" },
        { raw("\x3b\x03\x1b\x01" "A", 5), NULL },
        { raw("\x80\x01" "A", 3), NULL },
        { raw("\x5b\x01" "A", 3), NULL },
        { der_str(0x1b, big), NULL },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (guint field = 7; field <= 11; field += 2) {
            GByteArray *str = g_byte_array_new();
            g_byte_array_append(str, cases[i].str->data, cases[i].str->len);
            GByteArray *body = der_tlv(0xa0, der_int(5));
            body = der_cat(body, der_tlv(0xa1, der_int(30)));
            body = der_cat(body, der_tlv(0xa4, der_str(0x18, "20240102030405Z")));
            body = der_cat(body, der_tlv(0xa5, der_int(0)));
            body = der_cat(body, der_tlv(0xa6, der_int(6)));
            body = der_cat(body, der_tlv((guint8)(0xa0 | field), str));
            if (field != 9)
                body = der_cat(body, der_tlv(0xa9, der_str(0x1b, "EXAMPLE.ORG")));
            GByteArray *msg = der_tlv(0x7e, der_tlv(0x30, body));
            g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
            g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
            g_assert_nonnull(plain);
            g_assert_nonnull(tree);
            g_autofree char *a = event_json(plain);
            g_autofree char *b = event_json(tree);
            g_assert_cmpstr(a, ==, b);
            const char *key = field == 7 ? "crealm" : field == 9 ? "realm" : "e_text";
            if (cases[i].want)
                g_assert_cmpstr(tw_event_get_str(plain, key), ==, cases[i].want);
            for (gsize n = 2; n < msg->len && msg->len < 4096; n += 3) {
                guint8 *cut = g_memdup2(msg->data, n);
                TwPacketInfo pi = pi_udp(1, 88, 50000);
                TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
                TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
                TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
                g_autofree char *j1 = event_json(e1);
                g_autofree char *j2 = event_json(e2);
                g_assert_cmpstr(j1, ==, j2);
                tw_event_free(e1);
                tw_event_free(e2);
                g_free(cut);
            }
            g_byte_array_unref(msg);
        }
        g_byte_array_unref(cases[i].str);
    }
}

/* An AS-REQ built here with addresses [9] = `addrs` (freed). */
static GByteArray *as_req_with_addresses(GByteArray *addrs)
{
    const char *cn[] = { "user" }, *sn[] = { "krbtgt", "EXAMPLE.ORG" };
    GByteArray *rb = der_tlv(0xa0, der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5)));
    rb = der_cat(rb, der_tlv(0xa1, der_principal(1, cn, 1)));
    rb = der_cat(rb, der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG")));
    rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
    rb = der_cat(rb, der_tlv(0xa5, der_str(0x18, "20370913024805Z")));
    rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
    rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_int(18))));
    rb = der_cat(rb, der_tlv(0xa9, addrs));
    GByteArray *body = der_tlv(0xa1, der_int(5));
    body = der_cat(body, der_tlv(0xa2, der_int(10)));
    body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
    return der_tlv(0x6a, der_tlv(0x30, body));
}

/* A HostAddress { [0] type, [1] the n octets at a }. */
static GByteArray *host_address(gint64 type, const char *a, guint n)
{
    return der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(type)), der_tlv(0xa1, der_tlv(0x04, raw(a, n)))));
}

/* RFC 4120 5.2.8 KerberosFlags (KDCOptions, [0] of an AS-REQ's body) in
 * every shape: the event is the same with and without the teaching view,
 * cut every 3 bytes too; the plain ones give the first 32 bits. */
static void test_kdc_options_shapes(void)
{
    struct {
        GByteArray *opts;
        const char *want; /* NULL: not set */
    } cases[] = {
        { der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5)), "0x40810010" },
        { der_tlv(0x03, raw("\x00", 1)), "0x00000000" },
        { der_tlv(0x03, raw("\x07\x80", 2)), "0x80000000" },
        { der_tlv(0x03, raw("\x00\x12\x34", 3)), "0x12340000" },
        { der_tlv(0x03, raw("\x00\x12\x34\x56", 4)), "0x12345600" }, /* 24 bits: the next field's octet is not one */
        { der_tlv(0x03, raw("\x00\x01\x02\x03\x04\x05\x06", 7)), "0x01020304" },
        { der_tlv(0x03, raw("\x08\x80", 2)), NULL },
        { der_tlv(0x03, NULL), NULL },
        { der_tlv(0x23, der_tlv(0x03, raw("\x00\x40\x81\x00\x10", 5))), NULL },
        { der_tlv(0x04, raw("\x00\x40\x81\x00\x10", 5)), NULL },
        { der_tlv(0x83, raw("\x00\x40\x81\x00\x10", 5)), NULL },
        { der_cat(der_tlv(0x03, raw("\x00\x40", 2)), raw("\x05\x00", 2)), "0x40000000" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *cn[] = { "user" }, *sn[] = { "krbtgt", "EXAMPLE.ORG" };
        GByteArray *rb = der_tlv(0xa0, cases[i].opts);
        rb = der_cat(rb, der_tlv(0xa1, der_principal(1, cn, 1)));
        rb = der_cat(rb, der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG")));
        rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
        rb = der_cat(rb, der_tlv(0xa5, der_str(0x18, "20370913024805Z")));
        rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
        rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_int(18))));
        GByteArray *body = der_tlv(0xa1, der_int(5));
        body = der_cat(body, der_tlv(0xa2, der_int(10)));
        body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
        GByteArray *msg = der_tlv(0x6a, der_tlv(0x30, body));
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        g_assert_cmpstr(tw_event_get_str(plain, "kdc_options"), ==, cases[i].want);
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* RFC 4120 5.2.5 HostAddresses in every shape: the event is the same with
 * and without the teaching view (which reads every address with the table
 * walker), and the plain shapes give the formatted address. */
static void test_host_address_shapes(void)
{
    const char *long_name = "LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-"
                            "LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-LONGNAME-";
    struct {
        GByteArray *addrs;
        const char *want0, *want1; /* the first two addresses; NULL: not checked */
    } cases[] = {
        { der_tlv(0x30, der_cat(host_address(2, "\x0a\x01\x14\x64", 4), host_address(2, "\x00\x00\x00\x00", 4))),
          "10.1.20.100", "0.0.0.0" },
        { der_tlv(0x30, der_cat(host_address(2, "\xff\xff\xff\xff", 4), host_address(2, "\x01\x16\x00\x09", 4))),
          "255.255.255.255", "1.22.0.9" },
        { der_tlv(0x30, host_address(2, "\x63\x64\xc7\x0a", 4)), "99.100.199.10", NULL },
        { der_tlv(0x30, der_cat(host_address(20, "HOST01          ", 16), host_address(20, "WS\0\0", 4))),
          "HOST01", "WS" },
        { der_tlv(0x30, der_cat(host_address(20, "CAF\xc3\x89 ", 6), host_address(20, "A\0B ", 4))), "CAF\xc3\x89", "A" },
        { der_tlv(0x30, der_cat(host_address(20, "\xff\xfe", 2), host_address(20, "    ", 4))), "\xef\xbf\xbd\xef\xbf\xbd", "" },
        { der_tlv(0x30, der_cat(host_address(24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16),
                                host_address(2, "\x0a\0\0", 3))), "2001:db8:0:0:0:0:0:1", "type2:0a0000" },
        { der_tlv(0x30, host_address(-5 & 0xff, "\x01\x02", 2)), NULL, NULL },
        { der_tlv(0x30, NULL), NULL, NULL },
        /* odd shapes: swapped, missing the address, an extra field, a 9-octet type,
         * a constructed OCTET STRING, [1] primitive, a SET, long-form lengths */
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa1, der_tlv(0x04, raw("\x0a\0\0\x01", 4))),
                                              der_tlv(0xa0, der_int(2))))), "10.0.0.1", NULL },
        { der_tlv(0x30, der_tlv(0x30, der_tlv(0xa0, der_int(2)))), NULL, NULL },
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_cat(der_tlv(0xa0, der_int(2)),
                                                      der_tlv(0xa1, der_tlv(0x04, raw("\x0a\0\0\x02", 4)))),
                                              der_tlv(0xa2, der_int(7))))), "10.0.0.2", NULL },
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa0, raw("\x02\x09\0\x80\0\0\0\0\0\0\x02", 11)),
                                              der_tlv(0xa1, der_tlv(0x04, raw("\x0a\0\0\x03", 4)))))), NULL, NULL },
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(2)),
                                              der_tlv(0xa1, der_tlv(0x24, der_tlv(0x04, raw("\x0a\0\0\x04", 4))))))),
          NULL, NULL },
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(2)), der_tlv(0x81, raw("\x0a\0\0\x05", 4))))),
          NULL, NULL },
        { der_tlv(0x30, der_tlv(0x31, der_cat(der_tlv(0xa0, der_int(2)), der_tlv(0xa1, der_tlv(0x04, raw("\x0a\0\0\x06", 4)))))),
          NULL, NULL },
        { der_tlv(0x30, der_cat(host_address(20, long_name, (guint)strlen(long_name)),
                                host_address(2, "\x0a\0\0\x07", 4))), NULL, "10.0.0.7" },
        { der_tlv(0x31, host_address(2, "\x0a\0\0\x08", 4)), NULL, NULL },
        /* PA-DATA's tags ([1], [2]), or [0] twice: not a plain HostAddress */
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa1, der_int(2)), der_tlv(0xa2, der_tlv(0x04, raw("\x0a\0\0\x09", 4)))))),
          NULL, NULL },
        { der_tlv(0x30, der_tlv(0x30, der_cat(der_tlv(0xa0, der_int(2)), der_tlv(0xa0, der_tlv(0x04, raw("\x0a\0\0\x0a", 4)))))),
          NULL, NULL },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *msg = as_req_with_addresses(cases[i].addrs);
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        const TwField *f = tw_event_get(plain, "addresses");
        if (cases[i].want0 || cases[i].want1) {
            g_assert_nonnull(f);
            g_assert_cmpuint(f->type, ==, TW_FIELD_STRLIST);
            if (cases[i].want0)
                g_assert_cmpstr(g_ptr_array_index(f->v.slist, 0), ==, cases[i].want0);
            if (cases[i].want1)
                g_assert_cmpstr(g_ptr_array_index(f->v.slist, 1), ==, cases[i].want1);
        }
        for (gsize n = 2; n < msg->len; n += 3) {
            guint8 *cut = g_memdup2(msg->data, n);
            TwPacketInfo pi = pi_udp(1, 88, 50000);
            TwDissectCtx c1 = { .pi = &pi }, c2 = { .pi = &pi, .want_tree = true };
            TwEvent *e1 = tw_krb5_parse_message(&c1, cut, n, msg->len);
            TwEvent *e2 = tw_krb5_parse_message(&c2, cut, n, msg->len);
            g_autofree char *j1 = event_json(e1);
            g_autofree char *j2 = event_json(e2);
            g_assert_cmpstr(j1, ==, j2);
            tw_event_free(e1);
            tw_event_free(e2);
            g_free(cut);
        }
        g_byte_array_unref(msg);
    }
}

/* A KDC-REQ-BODY with the etype field twice: the second list replaces the
 * first (a field present twice: the last value wins, as the walker says). */
static void test_etype_list_twice(void)
{
    const char *sn[] = { "krbtgt", "EXAMPLE.ORG" };
    GByteArray *rb = der_tlv(0xa2, der_str(0x1b, "EXAMPLE.ORG"));
    rb = der_cat(rb, der_tlv(0xa3, der_principal(2, sn, 2)));
    rb = der_cat(rb, der_tlv(0xa7, der_int(7)));
    rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_cat(der_int(18), der_int(17)))));
    rb = der_cat(rb, der_tlv(0xa8, der_tlv(0x30, der_int(23))));
    GByteArray *body = der_tlv(0xa1, der_int(5));
    body = der_cat(body, der_tlv(0xa2, der_int(10)));
    body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, rb)));
    GByteArray *msg = der_tlv(0x6a, der_tlv(0x30, body));
    for (guint tree = 0; tree < 2; tree++) {
        g_autoptr(TwEvent) ev = parse(msg->data, msg->len, tree);
        g_assert_nonnull(ev);
        const TwField *f = tw_event_get(ev, "etypes");
        g_assert_nonnull(f);
        g_assert_cmpuint(f->v.ilist->len, ==, 1);
        g_assert_cmpint(ilist_at(ev, "etypes", 0), ==, 23);
    }
    g_byte_array_unref(msg);
}

static void test_udp_snaplen(void)
{
    Collect col = { g_ptr_array_new_with_free_func((GDestroyNotify)tw_event_free) };
    void *st = tw_krb5_udp_parser.state_new();
    TwPacketInfo pi = pi_udp(1, 50000, 88);
    TwDissectCtx ctx = { .pi = &pi, .emit = collect_event, .emit_user = &col };
    tw_krb5_udp_parser.feed(st, &ctx, TW_DIR_REQ, v_tgs_req, 96, sizeof v_tgs_req);
    g_assert_cmpuint(col.events->len, ==, 1);
    TwEvent *ev = g_ptr_array_index(col.events, 0);
    g_assert_true(tw_event_get_bool(ev, "truncated", false));
    g_assert_cmpint(tw_event_get_int(ev, "msg_type", 0), ==, 12);
    tw_krb5_udp_parser.state_free(st);
    g_ptr_array_unref(col.events);
}

/* MS-KILE 2.2.3 KERB-PA-PAC-REQUEST: its plain shape is read without the
 * table walk when no tree is asked; every shape gives the event the walk
 * gives (-T tree takes the walk), and the plain ones their value. */
static void test_pac_request_shapes(void)
{
    static const struct {
        const char *v;
        guint n;
        int want; /* -1: no pac_request key */
    } shapes[] = {
        { "\x30\x05\xa0\x03\x01\x01\xff", 7, 1 },
        { "\x30\x05\xa0\x03\x01\x01\x00", 7, 0 },
        { "\x30\x81\x05\xa0\x03\x01\x01\x01", 8, 1 },         /* long-form length */
        { "\x30\x06\xa0\x04\x01\x02\xff\xff", 8, -1 },        /* a 2-octet BOOLEAN: not read */
        { "\x30\x04\xa0\x02\x01\x00", 6, -1 },                /* an empty one */
        { "\x30\x07\xa0\x05\x01\x01\xff\x05\x00", 9, 1 },    /* more inside [0] */
        { "\x30\x05\xa0\x03\x01\x01\xff\x05\x00", 9, 1 },    /* more after the SEQUENCE */
        { "\x30\x05\xa0\x03\x81\x01\xff", 7, 1 },            /* [1] IMPLICIT: the tag number is read */
        { "\x30\x05\xa0\x03\x21\x01\xff", 7, 1 },            /* constructed: likewise */
        { "\x30\x05\xa1\x03\x01\x01\xff", 7, -1 },           /* [1]: not a field of it */
        { "\x30\x0a\xa0\x03\x01\x01\x00\xa0\x03\x01\x01\xff", 12, 1 }, /* twice: the last wins */
        { "\x31\x05\xa0\x03\x01\x01\xff", 7, -1 },           /* a SET */
        { "\x30\x05\x80\x03\x01\x01\xff", 7, -1 },           /* [0] primitive */
        { "\x30\x06\xa0\x03\x01\x01\xff", 7, -1 },           /* the SEQUENCE cut */
    };
    for (guint i = 0; i < G_N_ELEMENTS(shapes); i++) {
        GByteArray *padata = pa(raw("\x02\x02\x00\x80", 4), der_tlv(0x04, raw(shapes[i].v, shapes[i].n)));
        GByteArray *body = der_tlv(0xa1, der_int(5));
        body = der_cat(body, der_tlv(0xa2, der_int(10)));
        body = der_cat(body, der_tlv(0xa3, der_tlv(0x30, padata)));
        body = der_cat(body, der_tlv(0xa4, der_tlv(0x30, der_tlv(0xa7, der_int(7)))));
        GByteArray *msg = der_tlv(0x6a, der_tlv(0x30, body));
        g_autoptr(TwEvent) plain = parse(msg->data, msg->len, false);
        g_autoptr(TwEvent) tree = parse(msg->data, msg->len, true);
        g_assert_nonnull(plain);
        g_assert_nonnull(tree);
        g_autofree char *a = event_json(plain);
        g_autofree char *b = event_json(tree);
        g_assert_cmpstr(a, ==, b);
        g_assert_cmpint(tw_event_has(plain, "pac_request"), ==, shapes[i].want >= 0);
        if (shapes[i].want >= 0)
            g_assert_cmpint(tw_event_get_bool(plain, "pac_request", false), ==, shapes[i].want);
        g_byte_array_unref(msg);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/krb5/as-req", test_as_req);
    g_test_add_func("/krb5/as-rep", test_as_rep);
    g_test_add_func("/krb5/tgs-req", test_tgs_req);
    g_test_add_func("/krb5/error-preauth-required", test_error_preauth_required);
    g_test_add_func("/krb5/error-codes", test_error_codes);
    g_test_add_func("/krb5/nonce-unsigned", test_nonce_unsigned);
    g_test_add_func("/krb5/safe-cred", test_safe_cred);
    g_test_add_func("/krb5/not-kerberos", test_not_kerberos);
    g_test_add_func("/krb5/ap-options-note", test_ap_options_note);
    g_test_add_func("/krb5/every-truncation", test_every_truncation);
    g_test_add_func("/krb5/tcp-chunking", test_tcp_chunking);
    g_test_add_func("/krb5/tcp-gap-resync", test_tcp_gap_resync);
    g_test_add_func("/krb5/tcp-bad-marks", test_tcp_bad_marks);
    g_test_add_func("/krb5/tcp-anomaly-cap", test_tcp_anomaly_cap);
    g_test_add_func("/krb5/udp-pairing", test_udp_pairing);
    g_test_add_func("/krb5/mixed-pending-pairing", test_mixed_pending_pairing);
    g_test_add_func("/krb5/many-pending", test_many_pending);
    g_test_add_func("/krb5/long-principal-names", test_long_principal_names);
    g_test_add_func("/krb5/udp-snaplen", test_udp_snaplen);
    g_test_add_func("/krb5/padata-lists-capped", test_padata_lists_capped);
    g_test_add_func("/krb5/ticket-name-lengths", test_ticket_name_lengths);
    g_test_add_func("/krb5/field-identifiers", test_field_identifiers);
    g_test_add_func("/krb5/integer-forms", test_integer_forms);
    g_test_add_func("/krb5/principal-shapes", test_principal_shapes);
    g_test_add_func("/krb5/encrypted-data-shapes", test_encrypted_data_shapes);
    g_test_add_func("/krb5/msg-type-field", test_msg_type_field);
    g_test_add_func("/krb5/ticket-shapes", test_ticket_shapes);
    g_test_add_func("/krb5/padata-shapes", test_padata_shapes);
    g_test_add_func("/krb5/etype-list-shapes", test_etype_list_shapes);
    g_test_add_func("/krb5/etype-list-twice", test_etype_list_twice);
    g_test_add_func("/krb5/host-address-shapes", test_host_address_shapes);
    g_test_add_func("/krb5/pa-tgs-ap-req-shapes", test_pa_tgs_ap_req_shapes);
    g_test_add_func("/krb5/etype-info-shapes", test_etype_info_shapes);
    g_test_add_func("/krb5/string-field-shapes", test_string_field_shapes);
    g_test_add_func("/krb5/kdc-options-shapes", test_kdc_options_shapes);
    g_test_add_func("/krb5/pac-request-shapes", test_pac_request_shapes);
    return g_test_run();
}
