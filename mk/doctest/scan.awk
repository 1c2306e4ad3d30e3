# The doc-test runner's scanner (docs/doctest.md, "Which blocks are shell
# examples"): reads one Markdown file and finds every shell example in it.
#   awk -v W=DIR -f scan.awk FILE.md
# Writes, in DIR:
#   script.sh  the commands of the examples marked `sh doctest`, each with its
#              output and exit status captured (out.K, rc.K)
#   cmds       one line per command: block number, block line, command line,
#              the command's first line
#   expect.K   the output the K-th command shows
#   shown      one line per example shown only: its line and its reason
#   bad        one line per example the runner refuses: its line and why
# The reasons an example may be shown only are the list REASONS below.

BEGIN {
    REASONS = "long-job installed fixed-port server syntax real-service edits-tree"
    nr = split(REASONS, r, " ")
    for (i = 1; i <= nr; i++) known[r[i]] = 1
    # Words that start a command line (besides paths, VAR=value and $ prompts);
    # docs/doctest.md lists them, and the reasons, too: keep them in step.
    nc = split("make sh bash curl jq cat echo printf cd mkdir cp mv rm ln export " \
               "nohup git sudo apt-get dpkg xmllint wc umask kill timeout env sed " \
               "awk grep diff tee head tail sort cut ls chmod tar test read set " \
               "conformance connector mock-smartsheet mock-cas fixture-gen " \
               "recorder mutagen", c, " ")
    for (i = 1; i <= nc; i++) cmdword[c[i]] = 1
    fence = ""; mode = ""; k = 0; nb = 0; cont = 0; hd = ""; cmd = ""; cur = 0
    prevblank = 1; ind = 0
    SHOW = W "/shown"; BAD = W "/bad"; SCRIPT = W "/script.sh"; CMDS = W "/cmds"
}

function refuse(line, why) { printf "%d\t%s\n", line, why > BAD }

# looks_cmd(LINE): the rule for a block without a language: its first line
# (not blank, not a # comment) is a command when it starts with "$ ", with an
# assignment VAR=..., with a path (a word with a "/" that does not end in "/"),
# with one of the words of cmdword or sscas-*, or with a lower-case word
# followed by an option (-x, --name).
function looks_cmd(l,    n, a, w) {
    sub(/^[ \t]+/, "", l)
    if (substr(l, 1, 2) == "$ ") return 1
    n = split(l, a, /[ \t]+/)
    w = a[1]
    if (w ~ /^[A-Za-z_][A-Za-z0-9_]*=/) return 1
    if (w ~ /\// && w ~ /^[A-Za-z0-9_.~\/-]+$/ && w !~ /\/$/) return 1
    if (w in cmdword || w ~ /^sscas-[a-z-]+$/) return 1
    if (w ~ /^[a-z][a-z0-9._-]*$/ && n > 1 && a[2] ~ /^-/) return 1
    return 0
}

function ignorable(l) { return l ~ /^[ \t]*$/ || l ~ /^[ \t]*#/ }

function flush_cmd() {
    if (k == 0 || cmd == "") return
    printf "{\n%s\n} >\"%s/out.%d\" 2>&1\necho $? >\"%s/rc.%d\"\n", cmd, W, k, W, k > SCRIPT
    cmd = ""
}

# heredoc(LINE): the word of a here-document LINE opens, else "".
function heredoc(l,    w) {
    if (!match(l, /<<-?[ \t]*[\047"]?[A-Za-z_][A-Za-z0-9_]*/)) return ""
    w = substr(l, RSTART, RLENGTH)
    sub(/^<<-?[ \t]*[\047"]?/, "", w)
    return w
}

# open_block(INFO): classifies a fenced block by its info string.
function open_block(info,    n, a, lang, i, reason) {
    n = split(info, a, /[ \t]+/)
    lang = tolower(a[1])
    if (n == 0 || lang == "") { mode = "probe"; probed = 0; return }
    if (lang != "sh" && lang != "shell" && lang != "bash" && lang != "console") {
        mode = "other"; return
    }
    mode = "shown"
    if (n == 1) {
        refuse(NR, "unmarked shell example: mark it `sh doctest` (run) or `" lang " norun=REASON` (shown only)")
        return
    }
    if (n > 2) { refuse(NR, "more than one marker in `" info "`"); return }
    if (a[2] == "doctest") {
        if (lang != "sh") { refuse(NR, "an example that runs is `sh doctest` (it runs in sh), not `" info "`"); return }
        mode = "run"; nb++; bline = NR; cur = 0; return
    }
    if (a[2] !~ /^norun=/) { refuse(NR, "unknown marker `" a[2] "` (doctest or norun=REASON)"); return }
    reason = substr(a[2], 7)
    if (!(reason in known)) {
        refuse(NR, "unknown reason `norun=" reason "` (known: " REASONS ")")
        return
    }
    printf "%d\t%s\n", NR, reason > SHOW
}

# run_line(LINE): one line of an example that runs.
function run_line(line) {
    if (hd != "") {
        cmd = cmd "\n" line
        if (line == hd) hd = ""
        return
    }
    if (cont || (cmd != "" && substr(line, 1, 2) == "> ")) {
        if (!cont) line = substr(line, 3)
        cmd = cmd "\n" line
        cont = (line ~ /(\\|[|]|&&)$/)
        hd = heredoc(line)
        return
    }
    if (substr(line, 1, 2) == "$ ") {
        flush_cmd()
        k++
        cmd = substr(line, 3)
        cont = (cmd ~ /(\\|[|]|&&)$/)
        hd = heredoc(cmd)
        printf "%d\t%d\t%d\t%s\n", nb, bline, NR, cmd > CMDS
        if (cur) close(W "/expect." cur)
        cur = k
        printf "" > (W "/expect." k)
        return
    }
    if (cur) {
        flush_cmd()
        print line > (W "/expect." cur)
    }
}

{ line = $0 }

fence != "" {
    # A closing fence: the opening's character, at least as many, nothing after.
    t = line
    for (i = 0; i < 3 && substr(t, 1, 1) == " "; i++) t = substr(t, 2)
    sub(/[ \t]+$/, "", t)
    if (substr(t, 1, length(fence)) == fence && t ~ ("^" fchar "+$")) {
        if (mode == "run") { flush_cmd(); cont = 0; hd = "" }
        fence = ""; prevblank = 0
        next
    }
    # Content loses as many leading spaces as the fence has (a fence in a list item).
    for (i = 0; i < findent && substr(line, 1, 1) == " "; i++) line = substr(line, 2)
    if (mode == "run") run_line(line)
    else if (mode == "probe" && !probed && !ignorable(line)) {
        probed = 1
        if (looks_cmd(line))
            refuse(fline, "unmarked shell example (no language, a command first): mark it `sh doctest` or `sh norun=REASON` (`text` for output)")
    }
    next
}

match(line, /^ ? ? ?(```+|~~~+)/) {
    f = substr(line, RSTART, RLENGTH)
    findent = length(f)
    sub(/^ +/, "", f)
    findent -= length(f)
    fchar = substr(f, 1, 1) == "`" ? "`" : "~"
    info = substr(line, RSTART + RLENGTH)
    if (fchar == "`" && index(info, "`")) { prevblank = 0; next }   # inline code, not a fence
    fence = f; fline = NR
    sub(/^[ \t]+/, "", info); sub(/[ \t]+$/, "", info)
    open_block(info)
    next
}

# An indented block: lines indented by four spaces (or a tab) after a blank
# line. One whose first line looks like a command must become a fenced block.
line ~ /^(    |\t)/ && (prevblank || ind) {
    if (!ind) { ind = 1; iprobed = 0; iline = NR }
    # A fence indented this far is text of the indented block, never read.
    if (line ~ /^[ \t]*(```|~~~)[ \t]*(sh|shell|bash|console)([ \t]|$)/)
        refuse(NR, "a shell block indented by four spaces or more is not read: indent its fence by three at most")
    if (!iprobed && !ignorable(line)) {
        iprobed = 1
        if (looks_cmd(line))
            refuse(iline, "indented shell example: make it a fenced block, `sh doctest` or `sh norun=REASON`")
    }
    prevblank = 0
    next
}

{
    prevblank = (line ~ /^[ \t]*$/)
    if (!prevblank) ind = 0
}

END {
    if (fence != "") refuse(fline, "the fenced block is not closed")
    flush_cmd()
}
