/* lower-tree.h — the lower layers of a frame for the teaching view
 * (-T tree -O eth,ip,tcp,udp): the frame, its link header (Ethernet with
 * 802.1Q tags, Linux cooked, raw IP, BSD loopback), IPv4/IPv6 and the TCP
 * or UDP header, field by field, from the frame's bytes.  Built only when
 * asked for, for the frame that completed a message. */
#pragma once

#include "dissectors/dissect.h"

/* Which layers (TwDissectCtx.tree_layers). */
enum {
    TW_TREE_LAYER_FRAME = 1 << 0,
    TW_TREE_LAYER_ETH = 1 << 1,
    TW_TREE_LAYER_IP = 1 << 2,
    TW_TREE_LAYER_TCP = 1 << 3,
    TW_TREE_LAYER_UDP = 1 << 4,
    TW_TREE_LAYER_ALL = 0x1f,
};

/* "eth,ip,tcp" -> mask; "lower" = all of them, "frame" the frame alone.
 * False (and *bad the unknown name, transfer none into `list`) when a name
 * is not one of those. */
bool tw_tree_layers_parse(const char *list, guint *mask, char **bad);

/* Puts the layers of `raw` selected by mask before ev's own tree lines. */
void tw_lower_tree_prepend(TwEvent *ev, const TwRawFrame *raw, guint mask);
