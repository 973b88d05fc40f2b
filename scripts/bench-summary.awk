# SPDX-License-Identifier: GPL-2.0-only
# Summarise tools/fault-bench "bench:" lines of one lane: medians per
# configuration, and medians of the per-round ratios against stock. The
# fault-overhead goal is judged on the median of the ratios of all values
# together (they share the fault path); stock-again (stock measured a
# second time in each round) shows the noise.
# Ends with "GOALS: met" or "GOALS: NOT met (...)".

function median(arr, n,    i, j, t, a) {
	for (i = 1; i <= n; i++)
		a[i] = arr[i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
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
	rounds[c]++
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
	printf "%-14s %9s %8s %20s %9s %10s %10s %11s %11s %11s\n",
	       "config", "ms/GiB", "faults", "2M-samples 4K/2M/1G", "fault x",
	       "mmap ns", "mmap x", "w8 ns", "w64 ns", "w4K GB/s"
	bad = ""
	# stock first: every other row is compared with it.
	rows[1] = "stock"
	nrows = 1
	for (i = 1; i <= nconf; i++)
		if (order[i] != "stock")
			rows[++nrows] = order[i]
	for (i = 1; i <= nrows; i++) {
		c = rows[i]
		n = 0
		for (r = 1; r <= maxr; r++) {
			if (!((c, "fault_ns_per_gib", r) in val))
				continue
			n++
			fns[n] = val[c, "fault_ns_per_gib", r]
			flt[n] = val[c, "faults", r]
			mm[n] = val[c, "mmap_cycle_ns", r]
			w8[n] = val[c, "copy8_write_ns", r]
			w64[n] = val[c, "copy64_write_ns", r]
			w4k[n] = val[c, "copy4096_write_gbps", r]
			fr[n] = fns[n] / val["stock", "fault_ns_per_gib", r]
			mr[n] = mm[n] / val["stock", "mmap_cycle_ns", r]
			if (c != "stock" && c != "stock-again")
				ours[++nours] = fr[n]
		}
		leaves = val[c, "leaf_4k", maxr] "/" val[c, "leaf_2m", maxr] "/" \
			 val[c, "leaf_1g", maxr]
		if (c == "stock")
			stock_leaves = leaves
		printf "%-14s %9.1f %8d %20s %9.3f %10.0f %10.3f %11.0f %11.0f %11.4f\n",
		       c, median(fns, n) / 1e6, median(flt, n), leaves,
		       median(fr, n), median(mm, n), median(mr, n),
		       median(w8, n), median(w64, n), median(w4k, n)
		if (c == "stock-again")
			noise = median(fr, n)
		if (c != "stock" && leaves != stock_leaves)
			bad = bad " " c ":leaf-sizes-differ"
	}
	# Every value runs the same fault path (only the page protection
	# differs), so the goal is judged on all of their ratios together.
	overhead = median(ours, nours)
	printf "fault-path overhead: %.3f, the median of all %d ratios of the values to stock (goal <= 1.020)\n", overhead, nours
	if (overhead > 1.02)
		bad = bad " fault-overhead>2%"
	print "fault x, mmap x: median over rounds of the ratio to stock in the same round."
	print "2M-samples: the leaf size found at every 2 MiB of the mapping."
	if (noise != "")
		printf "stock-again: stock vfio-pci measured a second time in each round; its %.3f is what noise alone gives.\n", noise
	print "Copy figures under TCG emulation say nothing about write-combining."
	print bad == "" ? "GOALS: met" : "GOALS: NOT met (" substr(bad, 2) ")"
}
