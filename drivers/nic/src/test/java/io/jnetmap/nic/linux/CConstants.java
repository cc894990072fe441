package io.jnetmap.nic.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The integer constants a C header (or source file) defines, as its compiler would see them:
 * object-like and function-like {@code #define}s and enumerators, evaluated on demand with C's
 * integer operators ({@code + - * / % << >> & | ^ ~ ! ?: < <= > >= == != && ||}), casts to integer
 * types ignored, and the kernel's {@code BIT}, {@code BIT_ULL}, {@code GENMASK} and
 * {@code GENMASK_ULL}. Values are 64-bit; callers compare the low bits they need. Only reads what
 * it is given: nothing here is compiled from, or copied out of, the files it reads.
 */
public final class CConstants {
    private record Macro(List<String> params, List<String> body) { }

    private final String source;
    private final Map<String, Macro> macros = new HashMap<>();
    private final Map<String, Long> enumerators = new HashMap<>();

    private CConstants(String source) { this.source = source; }

    /** The constants of {@code texts} together (e.g. a driver's regs.h and defines.h), named {@code source} in messages. */
    public static CConstants parse(String source, String... texts) {
        CConstants c = new CConstants(source);
        for (String t : texts) c.read(t);
        return c;
    }

    public String source() { return source; }

    /** Whether {@code name} is a macro or an enumerator here. */
    public boolean defines(String name) {
        return macros.containsKey(name) || enumerators.containsKey(name);
    }

    /**
     * The value of a C expression over these constants, e.g. {@code E1000_RCTL_EN} or
     * {@code E1000_RDBAL(1)} or {@code DEFAULT_82543_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT}.
     * Throws {@link IllegalArgumentException} naming what is undefined or not an integer.
     */
    public long eval(String expression) {
        return new Parser(expand(tokenize(expression), new ArrayList<>())).parseAll();
    }

    // ------------------------------------------------------------------ reading

    private void read(String text) {
        String src = stripComments(text).replace("\\\r\n", " ").replace("\\\n", " ");
        for (String line : src.split("\n")) {
            String l = line.strip();
            if (!l.startsWith("#")) continue;
            l = l.substring(1).strip();
            if (!l.startsWith("define")) continue;
            l = l.substring(6);
            if (l.isEmpty() || !Character.isWhitespace(l.charAt(0))) continue;
            l = l.strip();
            int i = 0;
            while (i < l.length() && isIdent(l.charAt(i))) i++;
            String name = l.substring(0, i);
            if (name.isEmpty()) continue;
            List<String> params = null;
            String body;
            if (i < l.length() && l.charAt(i) == '(') { // function-like: '(' right after the name
                int close = l.indexOf(')', i);
                if (close < 0) continue;
                params = new ArrayList<>();
                for (String p : l.substring(i + 1, close).split(",")) if (!p.isBlank()) params.add(p.strip());
                body = l.substring(close + 1);
            } else {
                body = l.substring(i);
            }
            macros.putIfAbsent(name, new Macro(params, tokenize(body)));
        }
        readEnums(src);
    }

    /** {@code enum [tag] { A = expr, B, C = expr, ... };}: each enumerator one more than the last unless given. */
    private void readEnums(String src) {
        int at = 0;
        while (true) {
            int e = indexOfWord(src, "enum", at);
            if (e < 0) return;
            int open = src.indexOf('{', e), semi = src.indexOf(';', e);
            if (open < 0 || (semi >= 0 && semi < open)) { at = e + 4; continue; }
            int close = matching(src, open);
            if (close < 0) return;
            long next = 0;
            // r8169_main.c defines a register's bits right under it, inside the enum: skip those lines
            String body = src.substring(open + 1, close).replaceAll("(?m)^\\s*#.*$", "");
            for (String item : splitTopLevel(body)) {
                String it = item.strip();
                if (it.isEmpty()) continue;
                int eq = it.indexOf('=');
                String name = (eq < 0 ? it : it.substring(0, eq)).strip();
                if (!name.chars().allMatch(ch -> isIdent((char) ch))) continue;
                long v;
                try {
                    v = eq < 0 ? next : eval(it.substring(eq + 1));
                } catch (IllegalArgumentException ex) {
                    continue; // an enumerator we cannot evaluate is simply not known
                }
                enumerators.putIfAbsent(name, v);
                next = v + 1;
            }
            at = close;
        }
    }

    private static int indexOfWord(String s, String w, int from) {
        for (int i = s.indexOf(w, from); i >= 0; i = s.indexOf(w, i + 1)) {
            boolean before = i == 0 || !isIdent(s.charAt(i - 1));
            boolean after = i + w.length() >= s.length() || !isIdent(s.charAt(i + w.length()));
            if (before && after) return i;
        }
        return -1;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '{') depth++;
            else if (s.charAt(i) == '}' && --depth == 0) return i;
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '{') depth++;
            else if (c == ')' || c == '}') depth--;
            else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static String stripComments(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                if (end < 0) break;
                for (int j = i; j < end + 2; j++) if (s.charAt(j) == '\n') b.append('\n');
                b.append(' ');
                i = end + 1;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                int end = s.indexOf('\n', i);
                if (end < 0) break;
                i = end - 1;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                b.append(s, i, Math.min(j + 1, s.length()));
                i = j;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isIdent(char c) { return Character.isLetterOrDigit(c) || c == '_'; }

    // ------------------------------------------------------------------ tokens and expansion

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            int j = i + 1;
            if (isIdent(c)) {
                while (j < n && isIdent(s.charAt(j))) j++;
            } else if (j < n) {
                String two = s.substring(i, j + 1);
                if (List.of("<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##").contains(two)) j++;
            }
            out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }

    private static final List<String> TYPES = List.of("u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "int",
            "unsigned", "long", "short", "char", "__u8", "__u16", "__u32", "__u64", "__le16", "__le32", "uint8_t",
            "uint16_t", "uint32_t", "uint64_t", "signed");

    /** Macros replaced by their bodies (arguments substituted), recursively; {@code active} guards against self-reference. */
    private List<String> expand(List<String> in, List<String> active) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String t = in.get(i);
            Macro m = macros.get(t);
            if (m == null || active.contains(t)) {
                out.add(t);
                continue;
            }
            List<String> body;
            if (m.params() == null) {
                body = m.body();
            } else {
                if (i + 1 >= in.size() || !in.get(i + 1).equals("(")) { out.add(t); continue; }
                List<List<String>> args = new ArrayList<>();
                List<String> cur = new ArrayList<>();
                int depth = 0, j = i + 2;
                for (; j < in.size(); j++) {
                    String a = in.get(j);
                    if (a.equals("(")) depth++;
                    if (a.equals(")") && depth-- == 0) break;
                    if (a.equals(",") && depth == 0) { args.add(cur); cur = new ArrayList<>(); continue; }
                    cur.add(a);
                }
                if (!cur.isEmpty() || !args.isEmpty()) args.add(cur);
                if (args.size() != m.params().size())
                    throw new IllegalArgumentException(source + ": " + t + " takes " + m.params().size() + " arguments, given " + args.size());
                body = new ArrayList<>();
                for (String b : m.body()) {
                    int p = m.params().indexOf(b);
                    if (p >= 0) {
                        body.add("(");
                        body.addAll(args.get(p));
                        body.add(")");
                    } else {
                        body.add(b);
                    }
                }
                i = j;
            }
            List<String> nested = new ArrayList<>(active);
            nested.add(t);
            out.add("(");
            out.addAll(expand(body, nested));
            out.add(")");
        }
        return out;
    }

    // ------------------------------------------------------------------ evaluation

    private final class Parser {
        private final List<String> t;
        private int p;

        Parser(List<String> tokens) { this.t = tokens; }

        long parseAll() {
            if (t.isEmpty()) throw new IllegalArgumentException(source + ": empty expression");
            long v = ternary();
            if (p != t.size()) throw new IllegalArgumentException(source + ": cannot evaluate " + String.join(" ", t) + " (at '" + t.get(p) + "')");
            return v;
        }

        private String peek() { return p < t.size() ? t.get(p) : ""; }

        private boolean eat(String s) {
            if (peek().equals(s)) { p++; return true; }
            return false;
        }

        private long ternary() {
            long c = binary(0);
            if (eat("?")) {
                long a = ternary();
                if (!eat(":")) throw new IllegalArgumentException(source + ": ?: without :");
                long b = ternary();
                return c != 0 ? a : b;
            }
            return c;
        }

        private static final List<List<String>> LEVELS = List.of(List.of("||"), List.of("&&"), List.of("|"), List.of("^"),
                List.of("&"), List.of("==", "!="), List.of("<", "<=", ">", ">="), List.of("<<", ">>"), List.of("+", "-"),
                List.of("*", "/", "%"));

        private long binary(int level) {
            if (level == LEVELS.size()) return unary();
            long v = binary(level + 1);
            while (LEVELS.get(level).contains(peek())) {
                String op = t.get(p++);
                long r = binary(level + 1);
                v = switch (op) {
                    case "||" -> (v != 0 || r != 0) ? 1 : 0;
                    case "&&" -> (v != 0 && r != 0) ? 1 : 0;
                    case "|" -> v | r;
                    case "^" -> v ^ r;
                    case "&" -> v & r;
                    case "==" -> v == r ? 1 : 0;
                    case "!=" -> v != r ? 1 : 0;
                    case "<" -> v < r ? 1 : 0;
                    case "<=" -> v <= r ? 1 : 0;
                    case ">" -> v > r ? 1 : 0;
                    case ">=" -> v >= r ? 1 : 0;
                    case "<<" -> v << r;
                    case ">>" -> v >>> r;
                    case "+" -> v + r;
                    case "-" -> v - r;
                    case "*" -> v * r;
                    case "/" -> v / r;
                    default -> v % r;
                };
            }
            return v;
        }

        private long unary() {
            if (eat("-")) return -unary();
            if (eat("+")) return unary();
            if (eat("~")) return ~unary();
            if (eat("!")) return unary() == 0 ? 1 : 0;
            return primary();
        }

        private long primary() {
            String s = peek();
            if (s.equals("(")) {
                // a cast: '(' integer type words ')' followed by an operand
                int q = p + 1;
                while (q < t.size() && TYPES.contains(t.get(q))) q++;
                if (q > p + 1 && q < t.size() && t.get(q).equals(")")) {
                    p = q + 1;
                    return unary();
                }
                p++;
                long v = ternary();
                if (!eat(")")) throw new IllegalArgumentException(source + ": unbalanced parentheses in " + String.join(" ", t));
                return v;
            }
            if (s.isEmpty()) throw new IllegalArgumentException(source + ": expression ends early: " + String.join(" ", t));
            p++;
            if (Character.isDigit(s.charAt(0))) return number(s);
            switch (s) {
                case "BIT", "BIT_ULL" -> { return 1L << argument(); }
                case "GENMASK", "GENMASK_ULL" -> {
                    expect("(");
                    long h = ternary();
                    expect(",");
                    long l = ternary();
                    expect(")");
                    return (h == 63 ? -1L : (1L << (h + 1)) - 1) & ~((1L << l) - 1);
                }
                default -> { }
            }
            Long e = enumerators.get(s);
            if (e != null) return e;
            throw new IllegalArgumentException(source + " does not define " + s
                    + (macros.containsKey(s) ? " as an integer" : ""));
        }

        private long argument() {
            expect("(");
            long v = ternary();
            expect(")");
            return v;
        }

        private void expect(String s) {
            if (!eat(s)) throw new IllegalArgumentException(source + ": expected '" + s + "' in " + String.join(" ", t));
        }

        private long number(String s) {
            String d = s.replaceAll("(?i)[ul]+$", "");
            try {
                if (d.startsWith("0x") || d.startsWith("0X")) return Long.parseUnsignedLong(d.substring(2), 16);
                if (d.length() > 1 && d.startsWith("0")) return Long.parseLong(d.substring(1), 8);
                return Long.parseLong(d);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(source + ": not an integer: " + s);
            }
        }
    }
}
