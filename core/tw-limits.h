/* tw-limits.h — every cap and memory budget of trustwire, in one place.
 * (Not "limits.h": core/ targets have core/ on their include path, where a
 * file of that name would shadow the C library's <limits.h> that glib
 * includes; a clean build of core/event.c then fails on ULONG_MAX.)
 *
 * Each table, queue, buffer and loop that hostile input could grow is
 * bounded by one of these.  For each: what it bounds, and WHAT BREAKS when
 * it is reached (what the user loses in the output).  Hitting a cap is never
 * a crash or unbounded growth: it bumps a counter (trustwire -S), usually
 * emits an anomaly event (at most TW_ANOMALY_EVENTS_MAX per kind; the counter
 * counts forever) and degrades gracefully (evict, report a gap, skip).
 * docs/capture.md explains the capture-layer values and the budgets.
 *
 * core/ includes nothing of the other layers, so every layer may include
 * this file.  Values were chosen so that no public or lab capture reaches a
 * cap that changes its output (tests/golden, the snapshot baseline). */
#pragma once

#include <glib.h>

/* ======================================================================
 * Anomaly events
 * ==================================================================== */

/* Anomaly events emitted per kind, per pipeline (one run of trustwire over
 * its inputs), by the capture layer (tw_cap_anomaly) and by the dissectors
 * (tw_anomaly) alike.  Bounds: events of one anomaly kind.  When reached:
 * later anomalies of that kind are only counted ("anomaly.<kind>" in -S);
 * the event stream no longer shows each occurrence, so a flood of bad
 * fragments does not become a flood of events.  No public or lab capture
 * has more than 13 anomalies of one kind. */
#define TW_ANOMALY_EVENTS_MAX 100
/* The capture layer's historical name for the same limit. */
#define TW_CAP_ANOMALY_EVENTS_MAX TW_ANOMALY_EVENTS_MAX

/* ======================================================================
 * Capture files (capture/savefile.c)
 * ==================================================================== */

/* Largest record accepted (libpcap's own limit for huge snaplens).  When
 * reached: the file is declared corrupt at that record; frames after it are
 * not read (error message, exit status 2). */
#define TW_SAVEFILE_MAX_RECORD (16u * 1024 * 1024)
/* Interfaces remembered per pcapng section.  When reached: a packet naming
 * a later interface makes the file corrupt at that block (error, exit 2);
 * no real capture has more than a handful of interfaces. */
#define TW_SAVEFILE_MAX_INTERFACES 65536
/* Not a cap but a memory bound: a mapped capture file gives back the pages
 * it has read every this many bytes (madvise MADV_DONTNEED), so they do not
 * add up in peak RSS. */
#define TW_SAVEFILE_MAP_DROP (2u * 1024 * 1024)

/* ======================================================================
 * Link and IP (capture/link.c, capture/ip.c, capture/ip-defrag.c)
 * ==================================================================== */

/* 802.1Q / 802.1ad tags stacked in one Ethernet frame.  When reached: the
 * frame is taken for non-IP (link.not_ip); its payload is lost. */
#define TW_LINK_MAX_VLAN_TAGS 8

/* IPv6 extension headers walked before giving up on a packet.  When
 * reached: the packet is unsupported (ip.unsupported); its payload is lost. */
#define TW_IP6_MAX_EXT_HEADERS 16

/* IP fragment reassembly (IPv4 and IPv6). */
/* Datagrams under reassembly at once.  When reached: the oldest is evicted
 * (defrag.evicted, anomaly defrag_cap); its fragments are lost. */
#define TW_DEFRAG_MAX_DATAGRAMS 1024
/* Fragments accepted for one datagram.  When reached: the datagram is
 * dropped (anomaly); a real stack never needs more than ~45 (64 KiB / 1480). */
#define TW_DEFRAG_MAX_FRAGMENTS 256
/* Reassembled payload bytes per datagram (the IP length field's limit).
 * When reached: the fragment is dropped (anomaly defrag_too_big). */
#define TW_DEFRAG_MAX_BYTES 65535
/* Capture time a datagram may wait for its missing fragments.  When reached:
 * the datagram is dropped (defrag.timeouts); a UDP Kerberos message split
 * across a longer pause is lost. */
#define TW_DEFRAG_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* ======================================================================
 * TCP reassembly (capture/tcp-reasm.c), per direction of a flow
 * ==================================================================== */

/* Bytes / segments buffered out of order in ONE direction.  When reached:
 * the hole before the first queued byte is given up (anomaly tcp_ooo_cap,
 * a gap for the parser): the message spanning the hole is lost, the parser
 * resynchronises on what follows. */
#define TW_TCP_MAX_OOO_BYTES (1024 * 1024)
#define TW_TCP_MAX_OOO_SEGMENTS 1024
/* An ACK this far beyond the bytes seen is not believed (garbage or
 * pickup).  When reached: no gap is reported for the acknowledged bytes; the
 * parser is not told it starts inside a message (it finds out itself). */
#define TW_TCP_MAX_ACK_GAP (64u * 1024 * 1024)
/* Out-of-order bytes buffered across ALL flows (a memory budget, as
 * Suricata's stream.reassembly.memcap).  Each direction is bounded by
 * TW_TCP_MAX_OOO_BYTES, but 600 flows each holding 1 MiB behind a hole make
 * 600 MiB.  When reached: the direction holding the oldest queued segment
 * gives up the hole before its queue (as at TW_TCP_MAX_OOO_BYTES: a gap for
 * its parser, tcp.ooo_budget_evictions, anomaly tcp_ooo_budget) until the
 * total is back under the budget.  Real captures hold at most a few hundred
 * KiB out of order at once. */
#define TW_TCP_OOO_BUDGET_BYTES (64u * 1024 * 1024)

/* ======================================================================
 * Flow table (capture/flow.c, capture/pipeline.c)
 * ==================================================================== */

/* Concurrent flows.  When reached: the least recently seen flow is evicted
 * (flows.evicted, anomaly flow_cap): its parser is finished early (holes
 * become gaps), a later packet of it starts a new flow mid-stream. */
#define TW_FLOW_MAX 65536
/* Parser state held by all flows (bytes the dissectors charge through
 * tw_mem_charge, plus TW_FLOW_BASE_BYTES per flow): a memory budget.  Each
 * flow is bounded by its parser's own caps, but 65536 flows holding
 * fragments or tables add up (3 DCE/RPC connections x 32 calls x 4 MiB;
 * 65536 SMB2 sessions).  When reached: least recently seen flows are evicted
 * (flows.budget_evicted, anomaly flow_state_budget) until the total is under
 * the budget — exactly as at TW_FLOW_MAX. */
#define TW_FLOW_STATE_BUDGET_BYTES (128u * 1024 * 1024)
/* What one flow costs before its parser allocates anything: the TwFlow, its
 * hash-table and list links, the parser's base state.  Charged to the
 * budget above for every flow, so that many small flows count too. */
#define TW_FLOW_BASE_BYTES 1024u
/* Not a cap but a memory bound: closed flows a table keeps for reuse (each
 * sizeof(TwFlow)); past it they are freed. */
#define TW_FLOW_FREE_MAX 64u
/* Idle timeouts (capture time).  When reached: the flow retires
 * (flows.expired) as at its end; a connection silent longer is split in
 * two, the second half picked up mid-stream. */
#define TW_FLOW_TCP_IDLE_US (600 * G_USEC_PER_SEC)
#define TW_FLOW_UDP_IDLE_US (120 * G_USEC_PER_SEC)
/* A UDP flow whose last datagram was a reply (no request pending: one
 * Kerberos or NTP exchange done) retires sooner, so that a domain
 * controller's hundreds of thousands of one-exchange flows do not fill the
 * table.  A later request on the same ports simply starts a new flow. */
#define TW_FLOW_UDP_ANSWERED_IDLE_US (10 * G_USEC_PER_SEC)
/* Idle flows retired per packet (amortised).  Not a loss: idle flows wait
 * a few more packets (and are evicted first when the table is full). */
#define TW_FLOW_EXPIRE_PER_PACKET 8
/* --workers: capture files are split into this many shards by IP address
 * pair, whatever the number of threads (capture/workers.h), so that results
 * never depend on it.  Each shard holds 1/TW_WORKER_SHARDS of every table
 * and budget shared by all flows (TW_FLOW_MAX, TW_FLOW_STATE_BUDGET_BYTES,
 * TW_TCP_OOO_BUDGET_BYTES, TW_DEFRAG_MAX_DATAGRAMS, TW_EXPECT_MAX,
 * TW_FRAMER_MAX_BUFFERED_TOTAL), so the whole stays within the caps; a
 * shard that receives more than its share of the address pairs meets its
 * cap first.  Also the most threads --workers will start. */
#define TW_WORKER_SHARDS 16

/* ---- live capture: -w DIR ring, --workers fan-out (capture/ring.c, fanout.c) ---- */
/* Frames one ring file holds at most (its index: 12 bytes a frame, to tell
 * the in-file number of a run frame).  When reached: a new file starts
 * early, as when the size limit is reached.  Nothing is lost. */
#define TW_RING_FILE_FRAMES_MAX 131072
/* IP fragments a pipeline's ring tap keeps copies of until their datagram
 * is complete and used (then they are written) or not.  When reached: the
 * oldest copy is dropped, counted (ring.fragments_not_kept); that datagram's
 * earlier fragments are then missing from the ring, not from the analysis. */
#define TW_RING_HELD_FRAMES 512
#define TW_RING_HELD_BYTES (4u << 20)
/* --workers N live: events a capture worker hands to the analysis thread
 * and not yet merged.  When reached: the worker waits (its socket's ring
 * buffers meanwhile; a full ring is a kernel drop, counted in the health). */
#define TW_FANOUT_QUEUE_MAX 65536

/* ---- fleet: NATS JetStream (cli/nats-bus.c) and the merge of sensors ---- */
/* A sensor that cannot reach the broker keeps at most this many bytes of
 * messages in its spool file; beyond it messages are dropped, counted and
 * said on stderr (the run then exits 2). */
#define TW_NATS_SPOOL_MAX_BYTES (256u * 1024 * 1024)
/* How long one publish waits for JetStream's acknowledgement before the
 * message goes to the spool (a slow broker is treated as away). */
#define TW_NATS_PUBLISH_WAIT_MS 2000
/* At the end of a run, how long the spool waits for the broker to return. */
#define TW_NATS_FINAL_WAIT_MS 15000
/* The central consumer: messages per fetch, and how long a fetch waits
 * before the consumer asks the server whether anything is left. */
#define TW_NATS_FETCH_BATCH 512
#define TW_NATS_FETCH_WAIT_MS 500
/* --follow (cli/follow.c): events are held this long in capture time (the
 * newest event seen minus this) so that several sensors' events meet in time
 * order, and at most this many; when the stream is idle every held event
 * goes on.  When the count is reached: the oldest held event goes on at
 * once (a sensor lagging further comes in a little out of order). */
#define TW_FOLLOW_HOLD_US (2 * G_USEC_PER_SEC)
#define TW_FOLLOW_HOLD_MAX 65536
/* --from-events with several inputs (sensors): an event from one input is
 * the same packet as an event of another input when every field, the
 * 5-tuple and the message agree and their capture times are at most this
 * far apart (after each sensor's clock is corrected); it is counted once. */
#define TW_FLEET_SAME_PACKET_US (2 * G_USEC_PER_SEC)
/* Events remembered for that comparison (oldest forgotten first: a copy
 * arriving later than this many events after the first is counted twice,
 * fleet.same_packet_window_full on stderr). */
#define TW_FLEET_SAME_PACKET_MAX 65536
/* Server clock samples read ahead per input to measure its sensor's clock
 * against the DCs' (the median is taken; the rest of the input is not read). */
#define TW_FLEET_CLOCK_SAMPLES_MAX 4096
/* A TCP flow closed by FIN or RST lingers this long (capture time) so that
 * stray segments after the close are recognised, not taken for a new flow. */
#define TW_FLOW_CLOSED_LINGER_US (30 * G_USEC_PER_SEC)

/* Endpoints learnt through ctx->expect() (EPM dynamic ports).  When
 * reached: the oldest is forgotten (expect.evicted, anomaly expect_cap);
 * a later connection to it is not recognised as DCE/RPC unless a probe
 * catches it. */
#define TW_EXPECT_MAX 4096

/* ======================================================================
 * Dissectors
 * ==================================================================== */

/* ---- DER (dissectors/der) ---- */
/* Nesting of constructed values.  When reached: TW_LIMIT, the message is
 * not decoded (anomaly by the caller). */
#define TW_DER_MAX_DEPTH 32
/* High-tag-number form: at most 3 continuation octets.  Beyond: TW_LIMIT,
 * the message is not decoded (no Kerberos or LDAP tag is that large). */
#define TW_DER_MAX_TAG 0x1fffffu
/* Long-form length: at most 4 length octets.  Beyond: TW_MALFORMED (a
 * length that does not fit 32 bits). */
#define TW_DER_MAX_LEN_OCTETS 4
/* Bytes of one string copied out of a message.  When reached: the string is
 * cut and the field's cursor latches TW_LIMIT, so the message is marked (no
 * Kerberos name or realm is that long). */
#define TW_DER_MAX_STRING 65536

/* ---- Kerberos (dissectors/krb5) ---- */
/* Record bytes buffered per TCP direction (RFC 4120 7.2.2).  When reached: a
 * longer record is taken for garbage (anomaly record_too_big), the parser
 * hunts for the next record mark; the message is lost. */
#define TW_KRB5_TCP_MAX_RECORD 65536
/* Unanswered requests remembered per flow.  When reached: the oldest is
 * forgotten (kerberos.pending_cap); its reply is not paired (no reply_to). */
#define TW_KRB5_MAX_PENDING 64
/* Etypes / padata / addresses / tickets kept from one message.  When
 * reached: the list in the event is cut (flagged in the event). */
#define TW_KRB5_MAX_LIST 64
/* keys/: salts remembered from PA-ETYPE-INFO2 for password-derived keys
 * (one per principal a password was given for).  Beyond it a principal's
 * password key is derived with the default salt (which fails for AD machine
 * accounts): counted as kerberos.salts_forgotten. */
#define TW_KEYS_MAX_SALTS 4096
/* Kerberos with keys: session keys learned from decrypted replies and
 * tickets (as Wireshark learns them).  Beyond it the oldest is forgotten and
 * a later message under it stays encrypted: kerberos.session_keys_forgotten. */
#define TW_KRB5_MAX_SESSION_KEYS 4096
/* Kerberos with keys: keys tried on one encrypted part (long-term
 * candidates of a principal, every key of an enctype for a ticket whose
 * service account the store does not name, learned keys of one client).
 * When reached: the part stays encrypted (kerberos.key_tries_capped). */
#define TW_KRB5_MAX_KEY_TRIES 64
/* PAC_INFO_BUFFERs read from one decrypted PAC (MS-PAC 2.3).  When reached:
 * the later buffers are not read (a PAC has about ten). */
#define TW_KRB5_MAX_PAC_BUFFERS 64
/* PrincipalName components joined.  When reached: the name is cut. */
#define TW_KRB5_MAX_NAME_COMPONENTS 16
/* TCP framing anomalies reported per direction.  When reached: further
 * ones are counted (kerberos.tcp_anomalies_suppressed), not emitted. */
#define TW_KRB5_MAX_ANOMALIES_PER_DIR 8

/* ---- GSS-API, SPNEGO, NTLMSSP (dissectors/gssapi) ---- */
/* GSS wrappers inside wrappers (SPNEGO -> GSS krb5 -> ...).  When reached:
 * TW_LIMIT, the inner token is not decoded. */
#define TW_GSS_MAX_NESTING 4
/* mechTypes remembered from a NegTokenInit.  When reached: later ones are
 * not listed in the event (counted: gssapi.mech_types_dropped). */
#define TW_GSS_MAX_MECH_TYPES 16
/* AV_PAIRs walked per NTLMSSP list.  When reached: later pairs are not read
 * (their names are missing from the event; silent). */
#define TW_NTLMSSP_MAX_AV_PAIRS 32
/* Bytes of an NTLMSSP name field copied.  When reached: the name is cut. */
#define TW_NTLMSSP_MAX_NAME 1024

/* ---- LDAP (dissectors/ldap) ---- */
/* LDAPMessage bytes buffered per direction.  When reached: the message is
 * passed over unbuffered (ldap.large_skipped); only a bind matters and a
 * bind is never that large. */
#define TW_LDAP_MAX_RECORD (256 * 1024)
/* Outstanding bind requests per flow.  When reached: all are forgotten
 * (anomaly limit); their responses are not paired. */
#define TW_LDAP_MAX_PENDING 64

/* ---- HTTP (dissectors/http) ---- */
/* Start line + fields of one header block; AD MaxTokenSize 48000 -> 64000
 * base64.  When reached: anomaly limit, framing is lost, the parser
 * resynchronises on the next start line. */
#define TW_HTTP_MAX_HEADER_BLOCK (64 * 1024)
/* Decoded bytes of one auth token.  When reached: anomaly limit, the token
 * is not decoded (its Kerberos/NTLM message is lost). */
#define TW_HTTP_MAX_TOKEN (48 * 1024)
/* Auth fields looked at per message.  When reached: later ones are ignored
 * (anomaly). */
#define TW_HTTP_MAX_AUTH_FIELDS 8
/* Pipelined requests awaiting a response, per flow.  When reached: the
 * oldest is forgotten (http.pending_dropped, one anomaly per flow). */
#define TW_HTTP_MAX_PENDING 64
/* Chunk-size line with extensions.  When reached: framing is lost (resync). */
#define TW_HTTP_MAX_CHUNK_LINE 1024
/* Chunked trailer section, skipped.  When reached: framing is lost (resync). */
#define TW_HTTP_MAX_TRAILER (16 * 1024)
/* Request-target bytes kept in events.  When reached: the URI is cut
 * (uri_truncated in the event). */
#define TW_HTTP_MAX_URI 512
/* Longest method token recognised.  Beyond: not an HTTP start line. */
#define TW_HTTP_MAX_METHOD 20

/* ---- DNS GSS-TSIG (dissectors/dns) ---- */
/* One DNS message over TCP (RFC 1035 4.2.2: a 16-bit length, so 65535 at
 * most).  Nothing to cap beyond the format; kept for the framer's backstop. */
#define TW_DNS_MAX_MESSAGE 65535
/* Resource records looked at per message (answer + authority + additional).
 * When reached: the rest are not read (dns.rrs_not_read, anomaly limit);
 * a TKEY beyond them is lost. */
#define TW_DNS_MAX_RRS 64
/* Compression pointers followed in one name.  Each must point before the
 * label that holds it (so a loop is impossible), which bounds the work by
 * the message length; this cap bounds it further.  When reached: the name
 * is malformed (anomaly dns_bad_name). */
#define TW_DNS_MAX_POINTERS 32
/* TKEY queries awaiting their response, per flow (for reply_to).  When
 * reached: the oldest is forgotten (dns.pending_dropped). */
#define TW_DNS_MAX_PENDING 16

/* ---- SMB2 (dissectors/smb2) ---- */
/* NBSS record length accepted (reported).  When reached: anomaly limit, the
 * direction's framing is lost until resynchronised. */
#define TW_SMB2_MAX_RECORD (16u * 1024 * 1024)
/* Bytes of one record buffered; the rest is skipped (a READ/WRITE of file
 * data is not needed past its header).  When reached: the tail is passed
 * over; a compound chain extending past it is not decoded. */
#define TW_SMB2_MAX_BUFFERED (256u * 1024)
/* Commands in one compound chain.  When reached: anomaly limit, the rest of
 * the chain is not decoded. */
#define TW_SMB2_MAX_CHAIN 64
/* Requests awaiting a response, per flow.  When reached: all are forgotten
 * (anomaly limit); their responses are not paired. */
#define TW_SMB2_MAX_PENDING 1024
/* Tree connects remembered, per flow.  When reached: all are forgotten
 * (anomaly limit); later commands lose their share name. */
#define TW_SMB2_MAX_TREES 256
/* Open named pipes tracked, per flow.  When reached: anomaly limit, a new
 * pipe's DCE/RPC is not decoded. */
#define TW_SMB2_MAX_PIPES 128
/* Bytes of a path/name copied.  When reached: the name is cut. */
#define TW_SMB2_MAX_NAME 1024

/* ---- DCE/RPC (dissectors/dcerpc) ---- */
/* Reassembled stub bytes per call.  When reached: anomaly
 * dcerpc_stub_too_large, the call is dropped (its NETLOGON request or
 * response is not decoded).  A NETLOGON or EPM stub is < 64 KiB (no public
 * or lab capture reaches this cap); it was 4 MiB, which let 3 connections
 * x 32 calls hold 384 MiB.  Calls of other interfaces (DRSUAPI replication,
 * file data over a pipe) may be larger: they are not decoded anyway. */
#define TW_DCERPC_MAX_STUB (256u << 10)
/* Fragments of one sealed call kept for unsealing (each fragment is sealed
 * by its own verifier; only with a key store).  When reached: counter
 * dcerpc.sealed_fragments_cap, the call stays sealed (opnum only).  A
 * 256 KiB stub in Samba's 4280-byte or Windows' 5840-byte fragments is
 * 62 or 45 fragments. */
#define TW_DCERPC_MAX_SEALED_FRAGS 64u
/* Calls being reassembled per direction.  When reached: anomaly
 * dcerpc_reassembly_limit, the oldest is dropped. */
#define TW_DCERPC_MAX_REASSEMBLY 32u
/* Requests awaiting their response per stream.  When reached: the oldest
 * is forgotten (dcerpc.pending_evicted); its response is not paired. */
#define TW_DCERPC_MAX_PENDING 256u
/* Presentation contexts per stream.  When reached: anomaly
 * dcerpc_too_many_contexts; calls on a later context lose their interface. */
#define TW_DCERPC_MAX_CONTEXTS 64u
/* Context items read from one bind.  When reached: later items are not
 * kept (their calls lose their interface). */
#define TW_DCERPC_MAX_CTX_ITEMS 32u
/* frag_length is 16 bits: not a choice, the protocol's own bound. */
#define TW_DCERPC_MAX_PDU 65535u
/* Compression pointers followed in one NL_AUTH DNS name.  When reached:
 * TW_MALFORMED, the name is missing. */
#define TW_DCERPC_MAX_DNS_PTRS 16u
/* Binds awaiting their bind_ack per stream.  When reached: the oldest is
 * forgotten (dcerpc.binds_forgotten + anomaly "limit"); its bind_ack does not
 * resolve the contexts. */
#define MAX_PENDING_BINDS 8u

/* ---- NETLOGON with keys (dissectors/netlogon/nl-session.c) ---- */
/* Secure channels remembered across connections (challenges, the session key
 * of an authenticated channel), keyed by client, DC and computer name; only
 * kept when keys were given.  When reached: the oldest is forgotten
 * (netlogon.sessions_evicted + anomaly "limit"); a later sealed call of its
 * channel stays sealed, a later Authenticate is not recomputed. */
#define TW_NL_SESSIONS_MAX 4096u
/* Key generations (NT hashes) tried for one account.  When reached: the
 * oldest generations the key store lists are not tried
 * (netlogon.generations_dropped); "used none of these" then names how many were. */
#define TW_NL_GENERATIONS_MAX 16u

/* ---- SAMR (dissectors/samr) ---- */
/* Handles and looked-up names remembered (all SAMR connections together).
 * When reached: all are forgotten (samr.handles_forgotten + anomaly
 * "limit"); later calls on a forgotten handle lose their account name. */
#define TW_SAMR_HANDLES_MAX 8192u
/* Names (or RIDs) read from one SamrLookupNamesInDomain.  When reached: the
 * call is TW_LIMIT (decode_error "limit"), its names are not kept. */
#define TW_SAMR_NAMES_MAX 1000u
/* NDR (dissectors/dcerpc/ndr.c): hitting one latches TW_LIMIT, the stub is
 * not decoded (anomaly by the interface dissector). */
#define TW_NDR_MAX_ARRAY (1u << 20)   /* elements in one conformant/varying array */
#define TW_NDR_MAX_STRING 4096u       /* UTF-16 code units in one string we convert */
#define TW_NDR_MAX_DEFERRED 4096u     /* pending deferred referents */
#define TW_NDR_MAX_DEPTH 16u          /* nesting of deferred readers */
#define TW_NDR_MAX_REFERENTS 65536u   /* full-pointer referent ids remembered */
/* EPM (dissectors/dcerpc/epm.c). */
/* Floors of one protocol tower (C706 Appendix L).  Beyond: TW_LIMIT, the
 * tower is skipped (its endpoint is not learnt). */
#define TW_EPM_MAX_FLOORS 16u
/* Lookup entries / map towers examined per response.  Beyond: TW_LIMIT, the
 * response is not decoded (no endpoint learnt). */
#define TW_EPM_MAX_ENTRIES 512u
/* Distinct interfaces / ports listed in one lookup event.  When reached:
 * the list is cut (flagged in the event). */
#define TW_EPM_MAX_LISTED 64u

/* ---- NETLOGON (dissectors/netlogon) ---- */
/* DS_DOMAIN_TRUSTSW entries decoded per DsrEnumerateDomainTrusts response.
 * When reached: TW_LIMIT, the trust list is not reported. */
#define NL_MAX_TRUSTS 64u

/* ---- NTP (dissectors/ntp) ---- */
/* Unanswered transmit timestamps remembered per flow.  When reached: the
 * oldest is forgotten (anomaly once per flow + counter); its answer is not
 * paired (no round-trip clock sample). */
#define TW_NTP_MAX_PENDING 16
/* RFC 7822 extension fields walked per packet.  When reached: TW_LIMIT,
 * anomaly; later fields are not read. */
#define TW_NTP_MAX_EXTENSIONS 16

/* ---- saved events (core/event-json.c, --from-events) ---- */
/* When a cap is reached the line or field is refused or dropped and counted;
 * the run goes on with the next line. */
#define TW_JSON_MAX_LIST 4096     /* elements kept from one array field */
#define TW_JSON_MAX_FIELDS 512    /* fields kept from one event */
#define TW_JSON_MAX_KEY_LEN 128   /* longer field names are dropped */
#define TW_JSON_MAX_NEW_KEYS 1024 /* distinct field names ever interned from input */
/* Arrays and objects nested deeper than this are refused before json-glib
 * sees the line: its recursive-descent parser overflows the stack at a few
 * tens of thousands of levels, and no event is deeper than 2. */
#define TW_JSON_MAX_DEPTH 64
#define TW_JSON_MAX_LINE (1u << 20) /* longer lines are discarded unread (TwLineReader) */

/* ---- TCP record framer (dissectors/framer.c) ---- */
/* All framers' buffered partial records together (krb5-tcp, NBSS, DCE/RPC,
 * LDAP, HTTP).  When reached: the oldest partial record is evicted and its
 * direction sees a gap of unknown length (framer.budget_evictions, anomaly
 * "limit"); dissectors/framer.h says what that direction loses. */
#define TW_FRAMER_MAX_BUFFERED_TOTAL (64u * 1024 * 1024) /* partial-record bytes, all framers */

/* ---- analysis (analysis/) ---- */
/* Caps: every table the engine grows is bounded.  Hitting one is counted
 * under its name (TwAnCap: TwAnalysis.cap_counts, the sum in caps_hit) and
 * reported ("limits hit"), never fatal; each says what stops working. */
#define TW_AN_MAX_MACHINES      16384 /* machine records: messages about further machines are not analysed
                                       * (machines_refused); also the DC-address table (dc_addrs): a DC
                                       * beyond it is not recognised as one */
#define TW_AN_MAX_ADDRS         32    /* addresses (IP+MAC uses) kept per machine: further addresses are not
                                       * bound, so duplicate-identity cannot compare them; also the Zerologon
                                       * source addresses kept per target (named in the finding) */
#define TW_AN_MAX_ALIASES       16    /* other names (SPNs, FQDNs) kept per machine: further ones are not
                                       * shown under "Also known as" */
#define TW_AN_MAX_ADDR_OWNERS   65536 /* address → machine bindings (ip_owner): an unowned address's
                                       * messages go to an address-only record instead of the machine */
/* Evidence kept per fact kind per machine: the first HEAD and the last TAIL
 * items (TwFact.count says how many there were; the report prints "and N
 * more", TwAnalysis.evidence_dropped counts them).  Routine facts (a ticket
 * granted, a name seen) are only ever shown one or two at a time, so they
 * keep fewer: on a domain controller's port they are most of the traffic
 * and tens of thousands of machines. */
#define TW_AN_EVIDENCE_HEAD     8
#define TW_AN_EVIDENCE_TAIL     8
#define TW_AN_ROUTINE_EVIDENCE_HEAD 2
#define TW_AN_ROUTINE_EVIDENCE_TAIL 2
#define TW_AN_CLOCK_IMPLAUSIBLE_S (10.0 * 365.25 * 86400.0) /* a clock sample this far from the capture
                                       * clock and from every other kept sample, or from its own message's
                                       * other times, is no clock reading (chrony's random NTP transmit time,
                                       * MIT's AS-error ctime): dropped and counted (clock_samples_implausible) */
#define TW_AN_CLOCK_STEP_MIN_S  30.0  /* a change of offset between consecutive samples of one host below this
                                       * is jitter, never a step (analysis/clock.c) */
#define TW_AN_MAX_CLOCK_SAMPLES 256   /* clock samples kept per machine: beyond, the second half rotates
                                       * (the median follows a drifting clock, but older samples are lost) */
#define TW_AN_MAX_REQUESTS      16384 /* requests remembered to attribute replies: the oldest is evicted;
                                       * if no reply had come, a late one finds no machine (a KRB-ERROR
                                       * without cname, a NETLOGON status), and that eviction is the cap
                                       * hit (an answered request ages out uncounted: nothing is lost) */
#define TW_AN_MAX_USERS         4096  /* user-failure records: further (user, address, error) triples are
                                       * not listed and do not count toward a password spray */
#define TW_AN_MAX_FLOWS         16384 /* per-flow trackers, each table on its own: sealed-NETLOGON burst
                                       * trackers (a new client→DC pair is not watched for a sealed
                                       * Zerologon burst), NetrServerReqChallenge records (a new challenge is
                                       * not recorded: Zerologon challenge pairing stops for that client),
                                       * kadmin/changepw clients (a kpasswd request from a new address
                                       * cannot be attributed to its machine) */
#define TW_AN_MAX_TOUCHED       16    /* machines one event announces live: further ones wait for the next
                                       * event that touches them */
/* --previous REPORT.json (output/previous.c, analysis/previous.c): earlier
 * reports whose clocks this run's are compared with. */
#define TW_PREV_MAX_REPORTS     16    /* --previous given more often: a usage error (exit 2) */
#define TW_PREV_MAX_BYTES       (64u << 20) /* a larger report file is refused: a usage error (exit 2) */
#define TW_PREV_MAX_HOSTS       16384 /* machines with a clock read from one report: further ones are not
                                       * compared (cap previous_hosts, counted per host left out) */
#define TW_PREV_MAX_ADDRS       32    /* addresses read per host of a report (as TW_AN_MAX_ADDRS); further
                                       * ones are not matched against this run's (cap previous_hosts) */

/* analysis/tickets.c: ticket requests and replication.  Each table is
 * capped on its own, and what it loses is counted (the report says how
 * many): TGS-REQs awaiting their reply (the oldest is forgotten; counted
 * only when its reply had not come); TGT and service-ticket holders by
 * client address and DRSUAPI connections' callers (the least recently
 * written is forgotten, so a sensor keeps naming new ones); the failures,
 * RC4 tickets and DCSync calls listed in the report (further ones are not
 * kept). */
#define TW_TK_MAX_PENDING   16384
#define TW_TK_MAX_HOLDERS   16384
#define TW_TK_MAX_RECORDS   4096


/* ======================================================================
 * Output caches (core/community-id.c, core/event.c)
 * ==================================================================== */

/* Community IDs remembered per thread: the last result for each of this
 * many (seed, addresses, protocol, ports) keys, in pairs of slots chosen by
 * a hash of the key (an event names its flow's ID, and a flow has many
 * events).  A hit is confirmed by comparing the whole key.  Bounds: memory
 * (about 140 bytes a slot, per thread: 140 KiB).  When reached: a key that
 * lands on a full pair replaces the older of the two; a later event of the
 * replaced flow computes its ID again (the same ID: only time is lost,
 * never output).  256 direct-mapped slots missed 8,770 times for 7,933
 * flows on dc20 (116,936 for 105,936 on dc256); 1024 in pairs come within a
 * few percent of a fully associative LRU of that size.  A power of two. */
#define TW_COMMUNITY_ID_CACHE_SLOTS 1024
/* Field keys remembered per thread as their NDJSON text (,"key":), in
 * pairs of slots chosen by the interned key's address (core/event.c,
 * tw_event_to_json).  Bounds: memory (56 bytes a slot, per thread).  When
 * reached: a key that lands on a full pair replaces the older of the two,
 * which is escaped again when next written (the same text).  A power of
 * two. */
#define TW_JSON_KEY_CACHE_SLOTS 256
/* KEY -> interned KEY_truncated, per thread (core/event.c truncated_key),
 * direct-mapped by the interned key's address.  Bounds: memory (16 bytes a
 * slot, per thread).  When reached: a key that lands on a used slot
 * replaces it and the other is built and interned again when next asked
 * (the same pointer).  A power of two. */
#define TW_TRUNC_KEY_CACHE_BITS 6
#define TW_TRUNC_KEY_CACHE_SLOTS (1u << TW_TRUNC_KEY_CACHE_BITS)
/* Free heap glibc keeps before giving the top of the heap back to the
 * kernel (cli/main.c, mallopt M_TRIM_THRESHOLD).  Bounds: resident memory
 * that is free but kept (at most this).  When reached: glibc trims as
 * usual. */
#define TW_MALLOC_TRIM_BYTES (16u << 20)

/* ======================================================================
 * Teaching view (output/tree-sink.c, output/tree-relations.c)
 * ==================================================================== */

/* The -T tree sink holds events before writing them, to add "response in
 * frame N" to a request once its reply is seen.  Bounds: the look-ahead
 * window, in capture time and in events.  When reached: the oldest event is
 * written; a reply later than this finds its request written already and
 * only it says "request in frame" (counted: tree.lookahead_missed).  Live,
 * the tree appears this much later than the packets. */
#define TW_TREE_LOOKAHEAD_US     (5 * G_USEC_PER_SEC)
#define TW_TREE_LOOKAHEAD_EVENTS 2048
/* Exchanges followed for their narrative (Kerberos AS/TGS, NETLOGON
 * secure-channel setups, NTLM authentications), and steps kept per exchange.
 * When reached: the oldest open exchange is written as it stands ("not
 * finished"); a longer exchange lists its first steps and counts the rest.
 * An exchange idle this long is written as it stands. */
#define TW_TREE_MAX_EXCHANGES    1024
#define TW_TREE_MAX_STEPS        16
#define TW_TREE_EXCHANGE_IDLE_US (60 * G_USEC_PER_SEC)
/* Recent events remembered (frame, time) to compute a reply's delay.
 * When reached: the oldest is forgotten; a reply to it shows no delay. */
#define TW_TREE_MAX_RECENT       16384
/* --frame N: frames selected for the tree view (more are refused). */
#define TW_TREE_MAX_FRAMES       4096
/* ---- pictures (output/html*.c, output/ladder.c) ---- */
/* A page must open quickly and stay small on a capture of 16,000 machines:
 * each cap says what is summed up instead of drawn (the page says so). */
#define TW_LADDER_GAP_US      (2 * G_USEC_PER_SEC) /* a pause this long ends one exchange's ladder */
#define TW_LADDER_MAX         4     /* ladders per machine: the latest failing exchanges are drawn */
#define TW_LADDER_MAX_ARROWS  24    /* evidence rows drawn in one ladder: further rows are counted */
#define TW_LADDER_MAX_PARTIES 6     /* columns of a ladder: further addresses share the last column */
#define TW_HTML_MAX_DETAILED  50    /* machines drawn in full (timeline, clock, ladders, evidence): the
                                     * others not healthy are rows of a summary table (--machine NAME
                                     * -T html draws one); 200 made the 16,000-machine page 6.0 MB, its
                                     * pictures a third of it (docs/html.md "Large captures") */
#define TW_HTML_OPEN_DETAILED 25    /* detailed machines shown unfolded; the rest fold (<details>) */
#define TW_HTML_MAX_HEALTHY   20000 /* healthy and unknown machines listed by name (folded) */
#define TW_HTML_HEALTHY_TABLE 1000  /* … as table rows up to this many, beyond as lines of one text block */
#define TW_HTML_MAX_USERS     200   /* user logon failures listed */
