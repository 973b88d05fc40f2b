# SPDX-License-Identifier: GPL-2.0-only
# Summarise tools/fault-bench "bench:" lines of one lane: per configuration
# the median over rounds of each figure, and of its ratio to stock in the
# same round; stock-again (stock measured a second time in each round)
# shows the noise. With -v goals=1 (the icount run, where figures are
# instruction counts) it judges the goals and ends with "GOALS: met" or
# "GOALS: NOT met (...)":
#   - each value's per-fault ratio <= 1.02 for each leaf size;
#   - each value's mmap+munmap ratio <= 1.02;
#   - each value's leaf sizes those of stock;
#   - stock-again within 0.5% of 1.000 on every figure (else the ruler is
#     not deterministic, and nothing else can be trusted).

function median(arr, n,    i, j, t, a) {
	for (i = 1; i <= n; i++)
		a[i] = arr[i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

BEGIN {
	nm = split("fault4k_ns faultpmd_ns faultpud_ns mmap_ns pread_ns pwrite_ns", metric, " ")
	split("4K-fault PMD-fault PUD-fault mmap+munmap pread pwrite", label, " ")
	unit = goals ? "instructions" : "ns (wall clock under TCG: magnitude only)"
}

# Round 0 is fault-bench's warm-up.
/^bench: / && !/ round=0 / {
	delete f
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		f[kv[1]] = kv[2]
	}
	c = f["config"]; r = f["round"]
	if (!(c in seen)) {
		seen[c] = 1
		order[++nconf] = c
	}
	for (k in f)
		val[c, k, r] = f[k]
	if (r > maxr)
		maxr = r
}

END {
	if (!("stock" in seen)) {
		print "GOALS: NOT met (no stock vfio-pci measurement)"
		exit
	}
	rows[1] = "stock"
	nrows = 1
	for (i = 1; i <= nconf; i++)
		if (order[i] != "stock")
			rows[++nrows] = order[i]

	printf "per operation, %s; x: median of the per-round ratio to stock\n", unit
	printf "%-13s", "config"
	for (m = 1; m <= nm; m++)
		printf " %11s %6s", label[m], "x"
	printf "  %s\n", "leaves 4K/PMD/PUD"
	bad = ""
	for (i = 1; i <= nrows; i++) {
		c = rows[i]
		printf "%-13s", c
		for (m = 1; m <= nm; m++) {
			n = 0
			for (r = 1; r <= maxr; r++) {
				if (!((c, metric[m], r) in val) ||
				    !(("stock", metric[m], r) in val))
					continue
				n++
				abs[n] = val[c, metric[m], r]
				s = val["stock", metric[m], r]
				rat[n] = s > 0 ? abs[n] / s : 1
			}
			a = median(abs, n); x = median(rat, n)
			printf " %11.0f %6.3f", a, x
			if (!goals || c == "stock")
				continue
			if (c == "stock-again") {
				if (x < 0.995 || x > 1.005)
					bad = bad " stock-again:" label[m] "=" sprintf("%.3f", x)
			} else if (m <= 4 && a > 0 && x > 1.02) {
				bad = bad " " c ":" label[m] "=" sprintf("%.3f", x)
			}
		}
		leaves = val[c, "fault4k_leaf", maxr] "/" val[c, "faultpmd_leaf", maxr] \
			 "/" val[c, "faultpud_leaf", maxr]
		if (c == "stock")
			stock_leaves = leaves
		printf "  %s\n", leaves
		if (c != "stock" && leaves != stock_leaves)
			bad = bad " " c ":leaf-sizes-differ"
	}
	print "Goals, per value: each fault and mmap+munmap x <= 1.020, leaves as stock; stock-again 1.000 +- 0.005."
	print "A 0 figure: the BAR is smaller than that leaf class's mapping (or the kernel has no such leaf)."
	printf "\nMMIO copies, %s (TCG emulates the stores: nothing here measures write-combining)\n", unit
	printf "%-13s %11s %11s %11s %11s\n", "config", "w8 ns", "w64 ns", "w4K GB/s", "r4K GB/s"
	for (i = 1; i <= nrows; i++) {
		c = rows[i]
		n = 0
		for (r = 1; r <= maxr; r++) {
			if (!((c, "copy8_write_ns", r) in val))
				continue
			n++
			w8[n] = val[c, "copy8_write_ns", r]
			w64[n] = val[c, "copy64_write_ns", r]
			w4k[n] = val[c, "copy4096_write_gbps", r]
			r4k[n] = val[c, "copy4096_read_gbps", r]
		}
		printf "%-13s %11.0f %11.0f %11.4f %11.4f\n", c, median(w8, n),
		       median(w64, n), median(w4k, n), median(r4k, n)
	}
	if (goals)
		print bad == "" ? "GOALS: met" : "GOALS: NOT met (" substr(bad, 2) ")"
}
