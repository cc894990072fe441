package io.jnetmap.nic.linux;

import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Our register constants checked against a third party's: a table, as data, that maps each
 * constant a driver names to Linux's name for it (or a C expression over Linux's names), or says
 * where the datasheet defines it when Linux does not. Table lines:
 * <pre>
 * [e1000e igb]                      the headers the rows below are checked against (each of them)
 * GigabitRegs.CTRL = E1000_CTRL     our constant = Linux's expression
 * IgbRegs.SW_FW_PHY[2] = E1000_SWFW_PHY2_SM   an element of an int[] constant
 * GigabitRegs.MTA_ENTRIES ! 82574L datasheet §10.2.5.x MTA[127:0]: Linux sizes the table in code
 * # a comment
 * </pre>
 * Every {@code static final} integer (and int[] element) of the classes given must have a row, and
 * every row must name one: a constant added later without a row fails the check.
 */
public final class HeaderFacts {
    private HeaderFacts() { }

    /** The table file beside each module's {@code LinuxHeaderConstantsTest}. */
    public static final String TABLE = "linux-6.1-constants.txt";

    /**
     * Fails, listing every problem, unless each constant of {@code classes} agrees with Linux 6.1's
     * headers as the {@value #TABLE} beside {@code tableOwner} says.
     */
    public static void assertAgreesWithLinux(Class<?> tableOwner, Class<?>... classes) {
        String table;
        try (InputStream in = tableOwner.getResourceAsStream(TABLE)) {
            if (in == null) throw new IllegalStateException(TABLE + " is missing beside " + tableOwner.getName());
            table = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> problems = check(table, LinuxHeaders::of, classes);
        if (!problems.isEmpty())
            Assertions.fail(problems.size() + " constant(s) differ from Linux 6.1 or lack a row in " + TABLE + ":\n  "
                    + String.join("\n  ", problems));
    }

    /** One problem per line: mismatches (our value, Linux's), names Linux lacks, constants without a row. */
    public static List<String> check(String table, Function<String, CConstants> headers, Class<?>... classes) {
        Map<String, Long> ours = constants(classes);
        List<String> problems = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Map<String, CConstants> loaded = new LinkedHashMap<>();
        List<String> section = List.of();
        int lineNo = 0;
        for (String raw : table.split("\n")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) { problems.add("table line " + lineNo + ": unclosed section: " + line); continue; }
                section = List.of(line.substring(1, line.length() - 1).strip().split("\\s+"));
                continue;
            }
            int eq = line.indexOf('='), bang = line.indexOf('!');
            int cut = eq < 0 ? bang : bang < 0 ? eq : Math.min(eq, bang);
            if (cut < 0) { problems.add("table line " + lineNo + ": neither '=' nor '!': " + line); continue; }
            String name = line.substring(0, cut).strip(), rest = line.substring(cut + 1).strip();
            if (!seen.add(name)) problems.add("table line " + lineNo + ": " + name + " has two rows");
            Long value = ours.get(name);
            if (value == null) { problems.add("table line " + lineNo + ": " + name + " is not a constant of " + simpleNames(classes)); continue; }
            if (line.charAt(cut) == '!') {
                if (rest.isEmpty()) problems.add(name + ": say where the datasheet defines it (Linux does not)");
                continue;
            }
            if (section.isEmpty()) { problems.add("table line " + lineNo + ": " + name + " is in no [headers] section"); continue; }
            for (String h : section) {
                CConstants c = loaded.computeIfAbsent(h, headers);
                long linux;
                try {
                    linux = c.eval(rest);
                } catch (IllegalArgumentException e) {
                    problems.add(name + " (" + hex(value) + "): " + e.getMessage() + " (evaluating " + rest + ")");
                    continue;
                }
                if ((linux & 0xffff_ffffL) != (value & 0xffff_ffffL) || (linux >>> 32 != 0 && linux != value && linux >> 31 != -1))
                    problems.add(name + " = " + hex(value) + " here, but " + rest + " = " + hex(linux) + " in " + c.source());
            }
        }
        for (String n : ours.keySet()) if (!seen.contains(n)) problems.add(n + " (" + hex(ours.get(n)) + ") has no row: map it to Linux's name or cite the datasheet");
        return problems;
    }

    private static String hex(long v) {
        return v >= 0 && v < 10 ? Long.toString(v) : "0x" + Long.toHexString(v >>> 32 == 0xffff_ffffL ? v & 0xffff_ffffL : v);
    }

    private static String simpleNames(Class<?>[] classes) {
        List<String> n = new ArrayList<>();
        for (Class<?> c : classes) n.add(c.getSimpleName());
        return String.join(", ", n);
    }

    /** Every static final integer constant (and int[] element) of {@code classes}, as Class.NAME or Class.NAME[i]. */
    static Map<String, Long> constants(Class<?>... classes) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Class<?> c : classes) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod) || f.isSynthetic()) continue;
                Class<?> t = f.getType();
                String name = c.getSimpleName() + "." + f.getName();
                try {
                    f.setAccessible(true);
                    if (t == int.class || t == long.class || t == short.class || t == byte.class) {
                        m.put(name, ((Number) f.get(null)).longValue());
                    } else if (t == int[].class) {
                        int[] a = (int[]) f.get(null);
                        for (int i = 0; i < a.length; i++) m.put(name + "[" + i + "]", (long) a[i]);
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("reading " + name + ": " + e, e);
                }
            }
        }
        return m;
    }
}
