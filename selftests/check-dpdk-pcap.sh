#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The host's half of dpdk_testpmd_test: what the guest's virtio-net sent,
# as QEMU's filter-dump wrote it, read with tcpdump. Every frame must be
# one of testpmd's txonly packets (UDP port 9, 198.18.0.1 to 198.18.0.2,
# its defaults), and there must be as many as testpmd said it sent
# ("# dpdk-tx-packets: N" on the guest's console). Prints one TAP line.
#
# usage: selftests/check-dpdk-pcap.sh PCAP CONSOLE
set -uo pipefail

pcap=${1:?usage: $0 PCAP CONSOLE}
console=${2:?usage: $0 PCAP CONSOLE}
flow='udp and src host 198.18.0.1 and dst host 198.18.0.2 and port 9'

sent=$(tr -d '\r' <"$console" |
	sed -n 's/^# dpdk-tx-packets: \([0-9][0-9]*\)$/\1/p' |
	awk '{ n += $1 } END { print n + 0 }')
if [ ! -e "$pcap" ]; then
	echo "not ok - no pcap from the NIC ($pcap)"
	exit 1
fi
all=$(tcpdump -nr "$pcap" 2>/dev/null | wc -l)
txonly=$(tcpdump -nr "$pcap" "$flow" 2>/dev/null | wc -l)
if [ "$sent" -gt 0 ] && [ "$all" = "$sent" ] && [ "$txonly" = "$sent" ]; then
	echo "ok - the NIC's pcap holds the $sent packets testpmd sent, all of them its txonly flow"
	exit 0
fi
echo "not ok - testpmd sent $sent packets; the NIC's pcap holds $all, $txonly of them testpmd's txonly flow"
exit 1
