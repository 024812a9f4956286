package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.subdesk.shared.Money;
import org.junit.jupiter.api.Test;

class AmountsTests {

	private static final Money LEFT = Money.of(4999, "USD");

	@Test
	void anAmountTypedInDollarsIsReadAsCents() {
		assertThat(Amounts.parse("12.5", LEFT)).isEqualTo(1250);
		assertThat(Amounts.parse(" $12.05 ", LEFT)).isEqualTo(1205);
		assertThat(Amounts.parse("12", LEFT)).isEqualTo(1200);
		assertThat(Amounts.parse("0.01", LEFT)).isEqualTo(1);
		assertThat(Amounts.parse("49.99", LEFT)).isEqualTo(4999);
	}

	@Test
	void blankMeansAllThatIsLeft() {
		assertThat(Amounts.parse(null, LEFT)).isEqualTo(4999);
		assertThat(Amounts.parse("  ", LEFT)).isEqualTo(4999);
	}

	@Test
	void anythingElseIsRefusedWithTheLimit() {
		for (String typed : new String[] { "50", "49.991", "0", "0.00", "-1", "1e3", "12,50", "abc", "9999999999999" }) {
			assertThatIllegalArgumentException().as(typed)
				.isThrownBy(() -> Amounts.parse(typed, LEFT))
				.withMessage("give an amount above zero and at most $49.99.");
		}
	}
}
