package dev.subdesk.sealing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * A re-seal run is bounded: it stops after its run limit (here none: one batch a run) and the next run goes on where
 * it stopped, along the table; a row that does not open is left and counted, and the others move on.
 */
class ResealingTests {

	private static final String OLD = "c3ViZGVzay1vbGQta2V5LWVuY3J5cHRpb24ta2V5ISE=";
	private static final String NEW = "cm90YXRlZC1rZXktZW5jcnlwdGlvbi1rZXktMzIhISE=";

	/** Rows 0..n-1 in memory, each sealed under a key; one is damaged. */
	private static final class Rows implements SealedRows {

		final String[] kekIds;
		final int damaged;
		final String current;
		final List<Integer> startedAfter = new ArrayList<>();

		Rows(int n, String sealedBy, int damaged, String current) {
			this.kekIds = new String[n];
			java.util.Arrays.fill(kekIds, sealedBy);
			this.damaged = damaged;
			this.current = current;
		}

		@Override
		public String what() {
			return "test rows";
		}

		@Override
		public Map<String, Long> sealedUnderOtherKeys() {
			Map<String, Long> counts = new TreeMap<>();
			for (String id : kekIds) {
				if (!id.equals(current)) {
					counts.merge(id, 1L, Long::sum);
				}
			}
			return counts;
		}

		@Override
		public Pass pass() {
			return new Pass() {
				int after = -1;

				@Override
				public Batch next(int limit) {
					startedAfter.add(after);
					int read = 0;
					int resealed = 0;
					List<String> unopenable = new ArrayList<>();
					for (int i = after + 1; i < kekIds.length && read < limit; i++) {
						if (kekIds[i].equals(current)) {
							continue; // as the tables' query: only rows under a previous key
						}
						read++;
						after = i;
						if (i == damaged) {
							unopenable.add("test_rows " + i);
						}
						else {
							kekIds[i] = current;
							resealed++;
						}
					}
					return new Batch(read, resealed, unopenable);
				}
			};
		}
	}

	@Test
	void aRunStopsAtItsLimitAndTheNextGoesOnWhereItStoppedPastARowThatDoesNotOpen() {
		KeyEncryptionKey kek = new KeyEncryptionKey(NEW, OLD, "");
		String old = new KeyEncryptionKey(OLD, "").id();
		Rows rows = new Rows(250, old, 120, kek.id());
		MeterRegistry meters = new SimpleMeterRegistry();
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("meters", meters);
		Resealing resealing = new Resealing(kek, List.of(rows), beans.getBeanProvider(MeterRegistry.class), Duration.ZERO);

		assertThat(resealing.run()).as("one batch, not counted yet").isEqualTo(-1);
		assertThat(rows.sealedUnderOtherKeys()).containsEntry(old, 150L);
		assertThat(resealing.run()).isEqualTo(-1);
		assertThat(rows.sealedUnderOtherKeys()).as("the damaged row is left, the others moved on")
			.containsEntry(old, 51L);
		assertThat(resealing.run()).isEqualTo(-1);
		assertThat(resealing.run()).as("the pass is over: only the damaged row is left").isEqualTo(1);
		assertThat(rows.startedAfter).containsExactly(-1, 99, 199, 249);
		assertThat(meters.get("subdesk.kek.previous.rows").gauge().value()).isEqualTo(1);
		assertThat(meters.get("subdesk.kek.unopenable.rows").gauge().value()).isEqualTo(1);

		assertThat(resealing.run()).as("a new pass from the start, as of the last count").isEqualTo(1);
		assertThat(rows.startedAfter).endsWith(249, -1);
	}
}
