package dev.subdesk.payments;

import dev.subdesk.shared.Money;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The built-in sandbox gateway of the demo and the tests. It keeps its own ledger keyed by idempotency key,
 * so a retry with the same key never charges twice, even for {@code tok_flaky}, which fails about half of
 * its calls with a transient error or a time-out (a time-out may come after the money moved).
 */
@Component
class SandboxGateway implements PaymentGateway {

	private record SandboxCard(String brand, String last4, Behaviour behaviour) {
	}

	private enum Behaviour {
		SUCCEEDS, DECLINES, FLAKY
	}

	private static final Map<String, SandboxCard> CARDS = Map.of(
			"tok_visa", new SandboxCard("VISA", "4242", Behaviour.SUCCEEDS),
			"tok_mastercard", new SandboxCard("MASTERCARD", "4444", Behaviour.SUCCEEDS),
			"tok_chargeDeclined", new SandboxCard("VISA", "0002", Behaviour.DECLINES),
			"tok_flaky", new SandboxCard("VISA", "1881", Behaviour.FLAKY));

	private static final String RECORD = """
			INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at)
			VALUES (:key, :token, :amount, :currency, :outcome, :at) ON CONFLICT (idempotency_key) DO NOTHING
			""";

	private final JdbcClient jdbc;
	private final Clock clock;

	SandboxGateway(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	@Override
	public Optional<CardDetails> describe(String token) {
		SandboxCard card = CARDS.get(token);
		if (card == null) {
			return Optional.empty();
		}
		int year = clock.instant().atZone(ZoneOffset.UTC).getYear() + 4;
		return Optional.of(new CardDetails(card.brand(), card.last4(), 12, year));
	}

	@Override
	public PaymentResult charge(String token, Money amount, String idempotencyKey) {
		SandboxCard card = CARDS.get(token);
		if (card == null) {
			return new PaymentResult.Declined("invalid_token");
		}
		Optional<String> earlier = jdbc.sql("SELECT outcome FROM sandbox_gateway_payments WHERE idempotency_key = :key")
			.param("key", idempotencyKey)
			.query(String.class)
			.optional();
		ThreadLocalRandom random = ThreadLocalRandom.current();
		if (card.behaviour() == Behaviour.FLAKY && random.nextInt(4) == 0) {
			return new PaymentResult.Unknown("transient_error");
		}
		if (earlier.isPresent()) {
			return outcome(earlier.get(), idempotencyKey);
		}
		String outcome = card.behaviour() == Behaviour.DECLINES ? "card_declined" : "succeeded";
		jdbc.sql(RECORD)
			.param("key", idempotencyKey)
			.param("token", token)
			.param("amount", amount.amount())
			.param("currency", amount.currency())
			.param("outcome", outcome)
			.param("at", Timestamp.from(clock.instant()))
			.update();
		if (card.behaviour() == Behaviour.FLAKY && random.nextInt(3) == 0) {
			// The charge went through but the answer was lost: a time-out after the money moved.
			return new PaymentResult.Unknown("timeout");
		}
		String stored = jdbc.sql("SELECT outcome FROM sandbox_gateway_payments WHERE idempotency_key = :key")
			.param("key", idempotencyKey)
			.query(String.class)
			.single();
		return outcome(stored, idempotencyKey);
	}

	@Override
	public void refund(String token, Money amount, String idempotencyKey) {
		// Refunds through the sandbox always succeed.
	}

	private static PaymentResult outcome(String outcome, String key) {
		return "succeeded".equals(outcome) ? new PaymentResult.Succeeded("sbx_" + key)
				: new PaymentResult.Declined(outcome);
	}
}
