package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Opaque ids: their shape, no repeats, and random parts that use every Crockford symbol about equally often. */
class IdsTests {

	@Test
	void idsHaveTheirShapeNeverRepeatAndTheirRandomPartIsEvenlySpread() {
		int count = 100_000;
		Set<String> seen = new HashSet<>();
		int[] symbols = new int[32];
		for (int i = 0; i < count; i++) {
			String id = Ids.next("evt");
			assertThat(id).matches("evt_[0-9A-HJKMNP-TV-Z]{16}");
			assertThat(seen.add(id)).as(id).isTrue();
			for (char c : id.substring(12).toCharArray()) {
				symbols[Ids.CROCKFORD.indexOf(c)]++;
			}
		}
		double expected = count * 8 / 32.0;
		for (int i = 0; i < symbols.length; i++) {
			assertThat(symbols[i]).as("symbol " + Ids.CROCKFORD.charAt(i)).isBetween((int) (expected * 0.95),
					(int) (expected * 1.05));
		}
	}

	@Test
	void customerNumbersHaveTheirShape() {
		assertThat(Ids.confirmationNumber()).matches("CXL-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
		assertThat(Ids.orderNumber()).matches("ORD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
		assertThat(Ids.caseNumber()).matches("CASE-[0-9A-HJKMNP-TV-Z]{6}");
	}
}
