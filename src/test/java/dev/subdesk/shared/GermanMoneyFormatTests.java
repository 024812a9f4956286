package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * German amounts come from a format made once per currency and copied per call: they read exactly as a format
 * looked up afresh for the call would have them, from any number of threads at once.
 */
class GermanMoneyFormatTests {

	private static final List<String> CURRENCIES = List.of("USD", "EUR", "GBP", "CHF", "JPY", "SEK");

	@Property(tries = 300)
	void readsAsAFreshFormatWould(@ForAll @LongRange(min = -10_000_000, max = 10_000_000) long amount) {
		for (String currency : CURRENCIES) {
			Money money = Money.of(amount, currency);
			assertThat(Formats.money(money, Locale.GERMAN)).isEqualTo(fresh(money));
		}
	}

	@Test
	void manyThreadsAtOnceGetTheirOwnAmounts() throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(8);
		try {
			List<Future<Boolean>> results = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				int seed = t;
				results.add(threads.submit(() -> {
					for (int i = 0; i < 5_000; i++) {
						Money money = Money.of(seed * 1_000_003L + i, CURRENCIES.get((seed + i) % CURRENCIES.size()));
						if (!Formats.money(money, Locale.GERMAN).equals(fresh(money))) {
							return false;
						}
					}
					return true;
				}));
			}
			for (Future<Boolean> result : results) {
				assertThat(result.get()).isTrue();
			}
		}
		finally {
			threads.shutdownNow();
		}
	}

	/** The format as the code had it before the cache: looked up, then set to the currency, for each call. */
	private static String fresh(Money money) {
		Currency currency = Currency.getInstance(money.currency());
		NumberFormat format = NumberFormat.getCurrencyInstance(Locale.GERMAN);
		format.setCurrency(currency);
		int digits = Math.max(currency.getDefaultFractionDigits(), 0);
		format.setMinimumFractionDigits(digits);
		format.setMaximumFractionDigits(digits);
		return format.format(BigDecimal.valueOf(money.amount()).movePointLeft(digits));
	}
}
