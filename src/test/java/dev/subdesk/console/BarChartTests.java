package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BarChartTests {

	@Test
	void theLargestValueFillsTheBarAreaAndTheOthersAreInProportion() {
		BarChart chart = BarChart.of("c", "Cancellations by reason", List.of(BarChart.Entry.count("Not using", 12),
				BarChart.Entry.count("Switching", 3), BarChart.Entry.count("Other", 0)));

		assertThat(chart.bars()).extracting(BarChart.Bar::length).containsExactly((long) BarChart.BAR_AREA,
				(long) BarChart.BAR_AREA / 4, 0L);
		assertThat(chart.bars()).extracting(BarChart.Bar::y).containsExactly(0, BarChart.ROW, 2 * BarChart.ROW);
		assertThat(chart.height()).isEqualTo(3 * BarChart.ROW);
		assertThat(chart.description()).isEqualTo("Not using: 12; Switching: 3; Other: 0");
	}

	@Test
	void aTinyValueStillShowsAndALongLabelIsShortenedOnlyInTheDrawing() {
		String reason = "Money-back guarantee: cancelled within 60 days of the charge";
		BarChart chart = BarChart.of("c", "Refunds", List.of(BarChart.Entry.count("Big", 100_000),
				new BarChart.Entry(reason, 1, "1 · $49.99")));

		assertThat(chart.bars().get(1).length()).isEqualTo(1);
		assertThat(chart.bars().get(1).label()).hasSize(30).endsWith("…");
		assertThat(chart.bars().get(1).valueX()).isEqualTo(BarChart.LABEL_WIDTH + 1 + 6);
		assertThat(chart.description()).contains(reason + ": 1 · $49.99");
	}

	@Test
	void anEmptyChartHasNoBarsButAHeight() {
		BarChart chart = BarChart.of("c", "Nothing", List.of());

		assertThat(chart.bars()).isEmpty();
		assertThat(chart.height()).isPositive();
	}
}
