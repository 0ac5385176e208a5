package dev.ftindex.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The options of one verb: parsing (GNU style, {@code --name value} or {@code --name=value}) and help. */
final class Options {
    /**
     * @param value the placeholder of the option's value, or null for a flag
     * @param environment a variable read when the option is not given, or null
     */
    record Option(String name, String value, boolean repeatable, String help, String environment) {
        static Option flag(String name, String help) {
            return new Option(name, null, false, help, null);
        }

        static Option value(String name, String value, String help) {
            return new Option(name, value, false, help, null);
        }

        /** This option, taking several values. */
        Option many() {
            return new Option(name, value, true, help, environment);
        }

        Option env(String variable) {
            return new Option(name, value, repeatable, help, variable);
        }
    }

    private final String verb;
    private final String synopsis;
    private final String description;
    private final List<List<Option>> groups;
    private final List<String> groupTitles;
    private final String examples;
    private final Map<String, Option> byName = new LinkedHashMap<>();

    Options(String verb, String synopsis, String description, String examples) {
        this.verb = verb;
        this.synopsis = synopsis;
        this.description = description;
        this.examples = examples;
        this.groups = new ArrayList<>();
        this.groupTitles = new ArrayList<>();
    }

    Options group(String title, List<Option> options) {
        groupTitles.add(title);
        groups.add(options);
        options.forEach(option -> byName.put(option.name(), option));
        return this;
    }

    /** Parsed arguments. */
    static final class Parsed {
        private final Map<String, List<String>> values = new LinkedHashMap<>();
        private final List<String> positional = new ArrayList<>();
        private final Map<String, String> environment;
        private final Map<String, Option> options;

        Parsed(Map<String, String> environment, Map<String, Option> options) {
            this.environment = environment;
            this.options = options;
        }

        boolean flag(String name) {
            return values.containsKey(name);
        }

        Optional<String> optional(String name) {
            List<String> given = values.get(name);
            if (given != null && !given.isEmpty()) {
                return Optional.of(given.getLast());
            }
            Option option = options.get(name);
            if (option != null && option.environment() != null) {
                String value = environment.get(option.environment());
                if (value != null && !value.isBlank()) {
                    return Optional.of(value.strip());
                }
            }
            return Optional.empty();
        }

        String required(String name) {
            return optional(name).orElseThrow(() -> new UsageException("--" + name + " is required"
                    + (options.get(name).environment() != null ? " (or set " + options.get(name).environment() + ")" : "")));
        }

        List<String> values(String name) {
            return values.getOrDefault(name, List.of());
        }

        Optional<Integer> integer(String name) {
            return optional(name).map(text -> parseInt(name, text));
        }

        int integer(String name, int fallback) {
            return integer(name).orElse(fallback);
        }

        Optional<Double> decimal(String name) {
            return optional(name).map(text -> {
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new UsageException("--" + name + " expects a number, got '" + text + "'");
                }
            });
        }

        List<String> positional() {
            return positional;
        }

        static int parseInt(String name, String text) {
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects an integer, got '" + text + "'");
            }
        }
    }

    Parsed parse(String[] args, Map<String, String> environment, boolean positionalAllowed) {
        Parsed parsed = new Parsed(environment, byName);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                for (int j = i + 1; j < args.length; j++) {
                    parsed.positional.add(args[j]);
                }
                break;
            }
            if (!arg.startsWith("--") || arg.equals("--")) {
                if (!positionalAllowed) {
                    throw new UsageException("unexpected argument '" + arg + "' for 'ftindex " + verb + "' (see ftindex " + verb + " --help)");
                }
                parsed.positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String inline = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                inline = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            Option option = byName.get(name);
            if (option == null) {
                throw new UsageException("unknown option --" + name + " for 'ftindex " + verb + "'" + suggestion(name)
                        + " (see ftindex " + verb + " --help)");
            }
            List<String> list = parsed.values.computeIfAbsent(name, n -> new ArrayList<>());
            if (option.value() == null) {
                if (inline != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                list.add("true");
                continue;
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new UsageException("--" + name + " needs a value: --" + name + " " + option.value());
            }
            if (!option.repeatable() && !list.isEmpty()) {
                throw new UsageException("--" + name + " is given twice");
            }
            list.add(value);
            // A repeatable option takes every following argument up to the next option.
            while (option.repeatable() && inline == null && i + 1 < args.length && !args[i + 1].startsWith("--")) {
                list.add(args[++i]);
            }
        }
        return parsed;
    }

    private String suggestion(String name) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : byName.keySet()) {
            int distance = distance(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best == null ? "" : "; did you mean --" + best + "?";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    String help() {
        StringBuilder text = new StringBuilder();
        text.append("Usage: ftindex ").append(verb).append(' ').append(synopsis).append("\n\n");
        text.append(description.strip()).append("\n");
        for (int g = 0; g < groups.size(); g++) {
            text.append('\n').append(groupTitles.get(g)).append(":\n");
            for (Option option : groups.get(g)) {
                String left = "  --" + option.name() + (option.value() == null ? "" : " " + option.value()) + (option.repeatable() ? "..." : "");
                text.append(left);
                String help = option.help() + (option.environment() == null ? "" : " [env " + option.environment() + "]");
                List<String> lines = wrap(help, 60);
                int pad = Math.max(2, 32 - left.length());
                if (left.length() > 30) {
                    text.append('\n').append(" ".repeat(32));
                } else {
                    text.append(" ".repeat(pad));
                }
                text.append(lines.getFirst()).append('\n');
                for (String line : lines.subList(1, lines.size())) {
                    text.append(" ".repeat(32)).append(line).append('\n');
                }
            }
        }
        text.append("\nExamples:\n").append(examples.stripTrailing()).append("\n");
        text.append("\nExit codes: 0 success, 2 usage or configuration, 3 bad input data, 4 partitions missing or not\n"
                + "committed yet, 5 conflict, 6 corrupt data, 75 transient storage failure (retry), 1 bug.\n");
        return text.toString();
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > width && !line.isEmpty()) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
