package dev.subdesk.console;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A horizontal bar chart drawn on the server as SVG (see {@code console/chart.html}): the geometry is computed
 * here, so the page needs no script. The chart is an image named by its title; its description repeats every
 * value, and the page shows the same figures in a table.
 */
record BarChart(String id, String title, String description, List<Bar> bars, int width, int height) {

	static final int WIDTH = 640;

	static final int LABEL_WIDTH = 220;

	static final int BAR_AREA = 330;

	static final int ROW = 28;

	/** One bar: its label, the value as written beside it, its top, its length and where its value is written. */
	record Bar(String label, String value, int y, int x, long length, long valueX) {
	}

	/** One value to draw. */
	record Entry(String label, long value, String text) {

		static Entry count(String label, long value) {
			return new Entry(label, value, String.valueOf(value));
		}
	}

	static BarChart of(String id, String title, List<Entry> entries) {
		long max = entries.stream().mapToLong(Entry::value).max().orElse(0);
		List<Bar> bars = new java.util.ArrayList<>();
		for (int i = 0; i < entries.size(); i++) {
			Entry e = entries.get(i);
			long length = max == 0 ? 0 : Math.max(e.value() == 0 ? 0 : 1, e.value() * BAR_AREA / max);
			bars.add(new Bar(shorten(e.label()), e.text(), i * ROW, LABEL_WIDTH, length, LABEL_WIDTH + length + 6));
		}
		String description = entries.stream().map(e -> e.label() + ": " + e.text()).collect(Collectors.joining("; "));
		return new BarChart(id, title, description, bars, WIDTH, Math.max(1, entries.size()) * ROW);
	}

	private static String shorten(String label) {
		return label.length() <= 30 ? label : label.substring(0, 29) + "…";
	}
}
