package dev.subdesk.payments;

import dev.subdesk.shared.Money;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The built-in sandbox gateway of the demo and the tests. It keeps its own ledger keyed by idempotency key,
 * so a retry with the same key never charges twice, even for {@code tok_flaky}, which fails about half of
 * its charges with a transient error or a time-out (a time-out may come after the money moved). Refunds always
 * succeed (shared/API.md), except on {@code tok_refundUnanswered} (VISA 0341, not in the contract: for tests and
 * demos of the records left pending), whose charges succeed and whose every refund's answer is lost after the
 * money moved, so that only the sweep finds it paid. On {@code tok_renewalUnanswered} (VISA 0358, the same kind of
 * card) a purchase succeeds, and every renewal charge is taken with its answer lost.
 */
@Component
class SandboxGateway implements PaymentGateway {

	private record SandboxCard(String brand, String last4, Behaviour behaviour) {
	}

	private enum Behaviour {
		SUCCEEDS, DECLINES, FLAKY, REFUNDS_UNANSWERED, RENEWALS_UNANSWERED
	}

	private static final Map<String, SandboxCard> CARDS = Map.of(
			"tok_visa", new SandboxCard("VISA", "4242", Behaviour.SUCCEEDS),
			"tok_mastercard", new SandboxCard("MASTERCARD", "4444", Behaviour.SUCCEEDS),
			"tok_chargeDeclined", new SandboxCard("VISA", "0002", Behaviour.DECLINES),
			"tok_flaky", new SandboxCard("VISA", "1881", Behaviour.FLAKY),
			"tok_refundUnanswered", new SandboxCard("VISA", "0341", Behaviour.REFUNDS_UNANSWERED),
			"tok_renewalUnanswered", new SandboxCard("VISA", "0358", Behaviour.RENEWALS_UNANSWERED));

	private static final String RECORD = """
			INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at)
			VALUES (:key, :token, :amount, :currency, :outcome, :at) ON CONFLICT (idempotency_key) DO NOTHING
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final org.springframework.transaction.support.TransactionTemplate tx;

	SandboxGateway(JdbcClient jdbc, Clock clock, org.springframework.transaction.PlatformTransactionManager txManager) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.tx = new org.springframework.transaction.support.TransactionTemplate(txManager);
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

	/** The batch form: one insert and one read for the whole batch, with the same per-call behaviour. */
	@Override
	public List<PaymentResult> chargeAll(List<ChargeRequest> requests) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		PaymentResult[] results = new PaymentResult[requests.size()];
		List<Integer> reaching = new ArrayList<>();
		for (int i = 0; i < requests.size(); i++) {
			SandboxCard card = CARDS.get(requests.get(i).token());
			if (card == null) {
				results[i] = new PaymentResult.Declined("invalid_token");
			}
			else if (card.behaviour() == Behaviour.FLAKY && random.nextInt(4) == 0) {
				results[i] = new PaymentResult.Unknown("transient_error");
			}
			else {
				reaching.add(i);
			}
		}
		if (reaching.isEmpty()) {
			return Arrays.asList(results);
		}
		String[] keys = reaching.stream().map(i -> requests.get(i).idempotencyKey()).toArray(String[]::new);
		Map<String, String> outcomes = new HashMap<>(keys.length * 2);
		tx.executeWithoutResult(status -> record(requests, reaching, keys, outcomes));
		if (outcomes.size() < keys.length) {
			// Keys seen before (a repeated attempt): the ledger answers what it answered then.
			jdbc.sql("SELECT idempotency_key, outcome FROM sandbox_gateway_payments WHERE idempotency_key = ANY(:keys::text[])")
				.param("keys", Arrays.stream(keys).filter(k -> !outcomes.containsKey(k)).toArray(String[]::new))
				.query((rs, n) -> outcomes.put(rs.getString(1), rs.getString(2)))
				.list();
		}
		for (int i : reaching) {
			ChargeRequest request = requests.get(i);
			Behaviour behaviour = CARDS.get(request.token()).behaviour();
			boolean lostAnswer = behaviour == Behaviour.RENEWALS_UNANSWERED
					|| behaviour == Behaviour.FLAKY && random.nextInt(3) == 0;
			results[i] = lostAnswer ? new PaymentResult.Unknown("timeout")
					: outcome(outcomes.get(request.idempotencyKey()), request.idempotencyKey());
		}
		return Arrays.asList(results);
	}


	/**
	 * The sandbox's ledger write for a batch. Its commit does not wait for the disk: a crash can only lose the
	 * newest rows together with the renewals recorded after them (the log is written in order), so the repeated
	 * attempts find a consistent ledger.
	 */
	private void record(List<ChargeRequest> requests, List<Integer> reaching, String[] keys, Map<String, String> outcomes) {
		jdbc.sql("SET LOCAL synchronous_commit TO OFF").update();
		jdbc.sql("""
				INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at)
				SELECT k, t, a, c, o, :at FROM unnest(:keys::text[], :tokens::text[], :amounts::bigint[], :currencies::text[],
				                                      :outcomes::text[]) AS v(k, t, a, c, o)
				ON CONFLICT (idempotency_key) DO NOTHING
				RETURNING idempotency_key, outcome
				""")
			.param("keys", keys)
			.param("tokens", reaching.stream().map(i -> requests.get(i).token()).toArray(String[]::new))
			.param("amounts", reaching.stream().map(i -> requests.get(i).amount().amount()).toArray(Long[]::new))
			.param("currencies", reaching.stream().map(i -> requests.get(i).amount().currency()).toArray(String[]::new))
			.param("outcomes", reaching.stream()
				.map(i -> CARDS.get(requests.get(i).token()).behaviour() == Behaviour.DECLINES ? "card_declined" : "succeeded")
				.toArray(String[]::new))
			.param("at", Timestamp.from(clock.instant()))
			.query((rs, n) -> outcomes.put(rs.getString(1), rs.getString(2)))
			.list();
	}

	/**
	 * Refunds land in the ledger by their key like charges, and succeed; on {@code tok_refundUnanswered} the answer is
	 * lost after the money moved (a time-out). Called inside a database transaction, it refuses, as every call of the
	 * gateway does (GatewayCallsOutsideTransactions): the caller may hold row locks (DESIGN invariant 11).
	 */
	@Override
	public PaymentResult refund(String token, Money amount, String idempotencyKey) {
		// One statement in a transaction of its own whose commit does not wait for the disk, as for charges
		// (#record): the refund is marked paid only after this returns, and that commit, durable, writes the log
		// up to and past this row, so a crash loses this row only with the mark that followed it.
		jdbc.sql("""
				WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true))
				INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at, kind)
				SELECT :key, :token, CAST(:amount AS bigint), :currency, 'succeeded', CAST(:at AS timestamptz), 'REFUND'
				FROM no_wait
				ON CONFLICT (idempotency_key) DO NOTHING
				""")
			.param("key", idempotencyKey)
			.param("token", token)
			.param("amount", amount.amount())
			.param("currency", amount.currency())
			.param("at", Timestamp.from(clock.instant()))
			.update();
		SandboxCard card = CARDS.get(token);
		if (card != null && card.behaviour() == Behaviour.REFUNDS_UNANSWERED) {
			return new PaymentResult.Unknown("timeout");
		}
		return new PaymentResult.Succeeded("sbx_" + idempotencyKey);
	}

	@Override
	public Optional<PaymentResult> lookup(String idempotencyKey) {
		return jdbc.sql("SELECT outcome FROM sandbox_gateway_payments WHERE idempotency_key = :key")
			.param("key", idempotencyKey)
			.query(String.class)
			.optional()
			.map(outcome -> outcome(outcome, idempotencyKey));
	}

	private static PaymentResult outcome(String outcome, String key) {
		return "succeeded".equals(outcome) ? new PaymentResult.Succeeded("sbx_" + key)
				: new PaymentResult.Declined(outcome);
	}
}
