package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * What the console shows of an amount and what an agent types back are the same minor units, in every currency's
 * own decimals: yen have none, dinars three.
 */
class AmountsTests {

	private static final Money LEFT = Money.of(4999, "USD");

	private static final Money LIMIT = Money.of(1_000_000_000_000L, "USD");

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

	@Test
	void eachCurrencyIsShownInItsOwnDecimals() {
		assertThat(Formats.money(Money.of(5999, "USD"))).isEqualTo("$59.99");
		assertThat(Formats.money(Money.of(5999, "EUR"))).isEqualTo("59.99 EUR");
		assertThat(Formats.money(Money.of(5999, "JPY"))).isEqualTo("5999 JPY");
		assertThat(Formats.money(Money.of(1250, "KWD"))).isEqualTo("1.250 KWD");
		assertThat(Formats.money(Money.of(-5, "BHD"))).isEqualTo("-0.005 BHD");
	}

	@Test
	void anAgentTypesAmountsInTheCurrencysOwnDecimals() {
		assertThat(Amounts.parse("5999", Money.of(10_000, "JPY"))).isEqualTo(5999);
		assertThatThrownBy(() -> Amounts.parse("59.99", Money.of(10_000, "JPY"))).as("a yen has no decimals")
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("at most 10000 JPY");
		assertThat(Amounts.parse("1.25", Money.of(10_000, "KWD"))).isEqualTo(1250);
		assertThat(Amounts.parse("$12.5", Money.of(10_000, "USD"))).isEqualTo(1250);
		assertThatThrownBy(() -> Amounts.parse("12.505", Money.of(10_000, "USD")))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Property(tries = 300)
	void whatIsShownReadsBackAsTheSameMinorUnits(@ForAll @LongRange(min = 1, max = 999_999_999_999L) long amount) {
		for (String currency : new String[] { "USD", "EUR", "JPY", "KWD", "BHD", "CLP" }) {
			Money money = Money.of(amount, currency);
			String shown = Formats.money(money).replace(" " + currency, "");
			assertThat(Amounts.parse(shown, Money.of(LIMIT.amount(), currency))).as(shown).isEqualTo(amount);
		}
	}
}
