package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.Money;
import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * DESIGN.md invariant 6: money is integers in minor units with a currency, and its arithmetic is exact.
 * Amounts stay within ±10^15 minor units where sums cannot overflow; the overflow property covers the rest.
 */
class MoneyProperties {

	private static final long LIMIT = 1_000_000_000_000_000L;

	@Provide
	Arbitrary<String> currencies() {
		return Arbitraries.of("USD", "EUR", "GBP", "JPY", "CHF", "SEK");
	}

	@Provide
	Arbitrary<Long> amounts() {
		return Arbitraries.longs().between(-LIMIT, LIMIT);
	}

	@Property(tries = 1000)
	void percentRoundsDownToTheMinorUnit(@ForAll("amounts") long amount, @ForAll @IntRange(min = 0, max = 200) int percent,
			@ForAll("currencies") String currency) {
		Money result = Money.of(amount, currency).percent(percent);

		BigInteger exactTimes100 = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(percent));
		BigInteger resultTimes100 = BigInteger.valueOf(result.amount()).multiply(BigInteger.valueOf(100));
		// floor: result ≤ amount × percent / 100 < result + 1
		assertThat(resultTimes100).isLessThanOrEqualTo(exactTimes100);
		assertThat(resultTimes100.add(BigInteger.valueOf(100))).isGreaterThan(exactTimes100);
		assertThat(result.currency()).isEqualTo(currency);
	}

	@Property(tries = 1000)
	void aPercentOfAnAmountNeverExceedsIt(@ForAll @LongRange(min = 0, max = LIMIT) long amount,
			@ForAll @IntRange(min = 0, max = 100) int percent, @ForAll("currencies") String currency) {
		Money money = Money.of(amount, currency);
		Money part = money.percent(percent);
		Money rest = money.percent(100 - percent);

		assertThat(part.amount()).isBetween(0L, amount);
		// splitting an amount by percentages never creates money and loses at most one minor unit
		assertThat(part.plus(rest).amount()).isBetween(amount - 1, amount);
		assertThat(money.percent(100)).isEqualTo(money);
		assertThat(money.percent(0)).isEqualTo(Money.zero(currency));
	}

	@Property(tries = 500)
	void percentIsMonotonic(@ForAll @LongRange(min = 0, max = LIMIT) long a, @ForAll @LongRange(min = 0, max = LIMIT) long b,
			@ForAll @IntRange(min = 0, max = 100) int percent) {
		long smaller = Math.min(a, b);
		long larger = Math.max(a, b);
		assertThat(Money.of(smaller, "USD").percent(percent).amount())
			.isLessThanOrEqualTo(Money.of(larger, "USD").percent(percent).amount());
	}

	@Example
	void theDemoDiscountOfSeventyFivePercent() {
		// shared/API.md: 75% of 5999, rounded down to the minor unit, is 4499
		assertThat(Money.of(5999, "USD").percent(75)).isEqualTo(Money.of(4499, "USD"));
		assertThat(Money.of(1, "USD").percent(75)).isEqualTo(Money.zero("USD"));
		assertThat(Money.of(-1, "USD").percent(50)).isEqualTo(Money.of(-1, "USD"));
	}

	@Property(tries = 1000)
	void plusAndMinusAreExactAssociativeAndInverse(@ForAll("amounts") long a, @ForAll("amounts") long b,
			@ForAll("amounts") long c, @ForAll("currencies") String currency) {
		Money x = Money.of(a, currency);
		Money y = Money.of(b, currency);
		Money z = Money.of(c, currency);

		assertThat(x.plus(y).plus(z)).isEqualTo(x.plus(y.plus(z)));
		assertThat(x.plus(y)).isEqualTo(y.plus(x));
		assertThat(x.minus(y).minus(z)).isEqualTo(x.minus(y.plus(z)));
		assertThat(x.plus(y).minus(y)).isEqualTo(x);
		assertThat(x.plus(Money.zero(currency))).isEqualTo(x);
		assertThat(x.plus(y).amount()).isEqualTo(a + b);
		assertThat(x.minus(y).amount()).isEqualTo(a - b);
		assertThat(x.positive()).isEqualTo(a > 0);
	}

	@Property(tries = 1000)
	void sumsNeverWrapAround(@ForAll long a, @ForAll long b) {
		BigInteger sum = BigInteger.valueOf(a).add(BigInteger.valueOf(b));
		BigInteger difference = BigInteger.valueOf(a).subtract(BigInteger.valueOf(b));
		Money x = Money.of(a, "USD");
		Money y = Money.of(b, "USD");
		if (sum.bitLength() < Long.SIZE) {
			assertThat(x.plus(y).amount()).isEqualTo(sum.longValueExact());
		}
		else {
			assertThatThrownBy(() -> x.plus(y)).isInstanceOf(ArithmeticException.class);
		}
		if (difference.bitLength() < Long.SIZE) {
			assertThat(x.minus(y).amount()).isEqualTo(difference.longValueExact());
		}
		else {
			assertThatThrownBy(() -> x.minus(y)).isInstanceOf(ArithmeticException.class);
		}
	}

	@Property(tries = 300)
	void percentNeverWrapsAround(@ForAll long amount, @ForAll @IntRange(min = 0, max = 100) int percent) {
		BigInteger product = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(percent));
		if (product.bitLength() < Long.SIZE) {
			assertThat(Money.of(amount, "USD").percent(percent).amount())
				.isEqualTo(Math.floorDiv(product.longValueExact(), 100));
		}
		else {
			assertThatThrownBy(() -> Money.of(amount, "USD").percent(percent)).isInstanceOf(ArithmeticException.class);
		}
	}

	@Provide
	Arbitrary<String> codes() {
		return Arbitraries.strings().withCharRange('A', 'Z').ofLength(3);
	}

	@Property(tries = 500)
	void mixingCurrenciesThrows(@ForAll("amounts") long a, @ForAll("amounts") long b, @ForAll("codes") String one,
			@ForAll("codes") String other) {
		Assume.that(!one.equals(other));
		Money x = Money.of(a, one);
		Money y = Money.of(b, other);
		assertThatThrownBy(() -> x.plus(y)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("currency");
		assertThatThrownBy(() -> x.minus(y)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("currency");
		assertThatThrownBy(() -> y.plus(x)).isInstanceOf(IllegalArgumentException.class);
	}

	@Provide
	Arbitrary<String> notCurrencyCodes() {
		return Arbitraries.strings().all().ofMaxLength(5).filter(s -> !s.matches("[A-Z]{3}"));
	}

	@Property(tries = 300)
	void aCurrencyIsAnIsoCode(@ForAll("amounts") long amount, @ForAll("notCurrencyCodes") String code) {
		assertThatThrownBy(() -> Money.of(amount, code)).isInstanceOf(IllegalArgumentException.class);
	}
}
