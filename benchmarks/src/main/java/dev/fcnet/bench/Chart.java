package dev.fcnet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The latency chart as plain SVG text: one panel per network type and operation, latency per
 * network (log scale) against networks already present, one line per way.
 */
final class Chart {
    private static final int PANEL_W = 300;
    private static final int PANEL_H = 220;
    private static final int LEFT = 56;
    private static final int TOP = 40;
    private static final int PLOT_W = 220;
    private static final int PLOT_H = 140;
    private static final int LEGEND_H = 40;
    private static final Map<String, String> COLORS = Map.of("Shell", "#d62728", "Fcnet", "#ff7f0e", "Floor", "#7f7f7f",
            "Ours", "#1f77b4");

    private Chart() {}

    static String svg(Results r) {
        List<String> types = new ArrayList<>();
        for (String type : Results.TYPES) if (!r.presents(type).isEmpty()) types.add(type);
        int width = PANEL_W * Results.OPS.size();
        int height = LEGEND_H + PANEL_H * Math.max(1, types.size());
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height));
        legend(s);
        for (int row = 0; row < types.size(); row++) {
            for (int col = 0; col < Results.OPS.size(); col++) {
                panel(s, r, types.get(row), Results.OPS.get(col), col * PANEL_W, LEGEND_H + row * PANEL_H);
            }
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void legend(StringBuilder s) {
        int x = 16;
        for (String way : Results.WAYS) {
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"20\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                    x, x + 24, COLORS.get(way), dash(way)));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\">%s</text>\n", x + 30, Results.WAY_NAMES.get(way)));
            x += 40 + 7 * Results.WAY_NAMES.get(way).length();
        }
        s.append("<text x=\"").append(PANEL_W * Results.OPS.size() - 16)
                .append("\" y=\"24\" text-anchor=\"end\" fill=\"#555\">ms per network (log) against networks present</text>\n");
    }

    private static void panel(StringBuilder s, Results r, String type, String op, int x0, int y0) {
        List<Integer> presents = new ArrayList<>(r.presents(type));
        double min = Double.MAX_VALUE, max = 0;
        for (String way : Results.WAYS) {
            for (int p : presents) {
                Optional<Results.Score> sc = r.score(type, op, way, p);
                if (sc.isPresent() && sc.get().mean() > 0) {
                    min = Math.min(min, sc.get().mean());
                    max = Math.max(max, sc.get().mean());
                }
            }
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s %s</text>\n",
                x0 + LEFT, y0 + TOP - 14, Results.TYPE_NAMES.get(type), op));
        int px = x0 + LEFT, py = y0 + TOP;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                px, py, PLOT_W, PLOT_H));
        if (max == 0) return;
        double lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
        if (hi == lo) hi = lo + 1;
        for (double d = lo; d <= hi; d++) {
            double y = py + PLOT_H - (d - lo) / (hi - lo) * PLOT_H;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>",
                    px, y, px + PLOT_W, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    px - 4, y + 4, tick(d)));
        }
        for (int i = 0; i < presents.size(); i++) {
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    xAt(px, i, presents.size()), py + PLOT_H + 14, String.format(Locale.ROOT, "%,d", presents.get(i))));
        }
        for (String way : Results.WAYS) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < presents.size(); i++) {
                Optional<Results.Score> sc = r.score(type, op, way, presents.get(i));
                if (sc.isEmpty() || sc.get().mean() <= 0) continue;
                double x = xAt(px, i, presents.size());
                double y = py + PLOT_H - (Math.log10(sc.get().mean()) - lo) / (hi - lo) * PLOT_H;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s, %,d present: %s ms</title></circle>\n",
                        x, y, COLORS.get(way), Results.WAY_NAMES.get(way), op, presents.get(i), Results.meanError(sc.get())));
            }
            if (!points.isEmpty()) {
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                        points.toString().strip(), COLORS.get(way), dash(way)));
            }
        }
    }

    /** 10^decade as plain text: 0.01, 0.1, 1, 10, 1,000. */
    private static String tick(double decade) {
        return decade >= 0 ? String.format(Locale.ROOT, "%,.0f", Math.pow(10, decade))
                : new java.math.BigDecimal(Math.pow(10, decade)).round(new java.math.MathContext(1)).toPlainString();
    }

    private static double xAt(int px, int i, int n) {
        return n == 1 ? px + PLOT_W / 2.0 : px + 16 + i * (PLOT_W - 32.0) / (n - 1);
    }

    /** The floor is a reference, not a contender: dashed. */
    private static String dash(String way) {
        return way.equals("Floor") ? " stroke-dasharray=\"5,3\"" : "";
    }
}
