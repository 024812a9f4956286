package dev.subdesk.testing;

import dev.subdesk.payments.CardDetails;
import dev.subdesk.payments.PaymentGateway;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * The sandbox gateway with a test's hooks: every call goes to the sandbox as it is, and a test overrides the calls it
 * hooks into, doing its part before or after passing the call on with {@code super}. A test gets it in place of the
 * application's gateway with a subclass marked {@code @Primary} and imported into its context:
 *
 * <pre>{@code
 * @Import(MyTests.SlowGateway.class)
 * class MyTests extends ApiIntegrationTest {
 *
 * 	@Autowired
 * 	SlowGateway gateway;
 *
 * 	@Primary
 * 	static final class SlowGateway extends DelegatingGateway {
 *
 * 		@Override
 * 		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
 * 			// before the call
 * 			return super.charge(token, amount, idempotencyKey);
 * 		}
 * 	}
 * }
 * }</pre>
 *
 * {@link #chargeAll} passes a batch on to the sandbox's {@code chargeAll} whole, not through {@link #charge}: a hook on
 * renewals, which go in batches, overrides {@code chargeAll}.
 */
public abstract class DelegatingGateway implements PaymentGateway {

	@Autowired
	@Qualifier("sandboxGateway")
	private PaymentGateway sandbox;

	@Override
	public Optional<CardDetails> describe(String token) {
		return sandbox.describe(token);
	}

	@Override
	public PaymentResult charge(String token, Money amount, String idempotencyKey) {
		return sandbox.charge(token, amount, idempotencyKey);
	}

	@Override
	public List<PaymentResult> chargeAll(List<ChargeRequest> requests) {
		return sandbox.chargeAll(requests);
	}

	@Override
	public PaymentResult refund(String token, Money amount, String idempotencyKey) {
		return sandbox.refund(token, amount, idempotencyKey);
	}

	@Override
	public Optional<PaymentResult> lookup(String idempotencyKey) {
		return sandbox.lookup(idempotencyKey);
	}
}
