# SPDX-License-Identifier: MIT
# Worst-case stack of every public function, from gcc's -fcallgraph-info=su
# files (one .ci per object; pass all of a target's together so calls across
# objects resolve).  Each node carries its own frame ("N bytes (static)",
# from -fstack-usage); an edge is a call.  The worst case of a function is
# its frame plus the worst case of its deepest callee.
#
# The graph has cycles (the encoder recurses on the schema), so depth alone
# gives no bound.  `bounds` ("msg_size,msg_write=4 item_size=1") says how
# many activations of a set of functions the schema allows on one call
# chain, all of the set together (msg_write reaches msg_size through
# item_write one level deeper, so the two share one budget of levels).  A
# function met again on the chain that is in no set is reported as
# unbounded.  Clones (msg_size.constprop.0) count as their base function.
#
# Calls to functions with no node of their own (memcpy, libgcc helpers)
# add nothing: they are listed in the output so the table can say so.
#
# Output, one line per public function, tab-separated: name, bytes, what
# was not counted ("-" when nothing), the worst chain with each frame, and
# "UNBOUNDED ..." when a bound is missing.
BEGIN {
    n = split(bounds, b, " ")
    for (i = 1; i <= n; i++) {
        split(b[i], kv, "=")
        m = split(kv[1], names, ",")
        for (j = 1; j <= m; j++)
            class[names[j]] = kv[1]
        limit[kv[1]] = kv[2] + 0
    }
}

# The value of key: "..." on a VCG line.
function field(line, key,    s) {
    s = substr(line, index(line, key ": \"") + length(key) + 3)
    return substr(s, 1, index(s, "\"") - 1)
}

# "dir/file.c:msg_size.constprop.0" -> "msg_size"
function base(t,    s) {
    s = t
    sub(/^.*:/, "", s)
    sub(/\..*$/, "", s)
    return s
}

/^node:/ {
    t = field($0, "title")
    label = field($0, "label")
    # The frame is the label's last line: "184 bytes (static)".
    if (match(label, /\\n[0-9]+ bytes \([a-z,]+\)$/)) {
        s = substr(label, RSTART + 2)
        frame[t] = s + 0
        sub(/^[0-9]+ bytes \(/, "", s)
        sub(/\)$/, "", s)
        kind[t] = s
        # Public functions are titled by their bare name, static ones
        # by file:name.
        if (index(t, ":") == 0)
            public[t] = 1
    }
    next
}

/^edge:/ {
    s = field($0, "sourcename")
    d = field($0, "targetname")
    if (!((s, d) in seen)) {
        seen[s, d] = 1
        out[s, ++nout[s]] = d
    }
}

# Returns the worst case from t; sets `chain` to that call chain.
function walk(t,    bn, cl, best, bc, i, w) {
    chain = ""
    if (!(t in frame)) {
        if (t == "__indirect_call")
            problem = problem " indirect-call"
        ext[t] = 1
        return 0
    }
    if (kind[t] != "static")
        problem = problem " " kind[t] "-frame:" base(t)
    bn = base(t)
    cl = (bn in class) ? class[bn] : bn
    if (cl in limit) {
        # The schema allows no deeper call: this edge is never taken.
        if (active[cl] >= limit[cl])
            return 0
    } else if (onpath[t]) {
        problem = problem " recursion:" bn
        return 0
    }
    active[cl]++
    onpath[t] = 1
    best = 0
    bc = ""
    for (i = 1; i <= nout[t]; i++) {
        w = walk(out[t, i])
        if (w > best || bc == "") {
            best = w
            bc = chain
        }
    }
    active[cl]--
    onpath[t] = 0
    chain = bn "(" frame[t] ")" (bc == "" ? "" : " > " bc)
    return frame[t] + best
}

END {
    for (t in public) {
        problem = ""
        for (e in ext)
            delete ext[e]
        w = walk(t)
        list = ""
        for (e in ext)
            list = list (list == "" ? "" : ",") e
        if (list == "")
            list = "-"
        printf "%s\t%d\t%s\t%s%s\n", t, w, list, chain,
               (problem == "" ? "" : "\tUNBOUNDED" problem)
    }
}
