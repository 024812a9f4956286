package dev.subdesk.demo;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.checkout.ConsentChannel;
import dev.subdesk.checkout.ConsentMethod;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.checkout.Disclosures;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.PurchaseRequest;
import dev.subdesk.subscriptions.Subscriptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;

/**
 * Seeds the demo customers at start-up, in demo mode only and unless {@code subdesk.demo.seed=false}, through the
 * domain services (so each gets its welcome and purchase notices like any customer). Idempotent: a customer whose
 * address exists is not opened again, and one that already has a subscription gets no other; a restart on the same
 * data directory changes nothing. Nodes starting together on one database seed one after the other, under a session
 * advisory lock: otherwise two could both find a customer without a subscription and both buy one. No customer is
 * seeded once a production start has marked the database ({@link ProductionMarkWatch}), read before each; when that
 * read fails the start fails, saying so, rather than run a demo with some of its customers quietly missing.
 */
@Component
@ConditionalOnExpression("${subdesk.demo-mode:false} and ${subdesk.demo.seed:true}")
class DemoCustomers implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(DemoCustomers.class);

	/** A demo customer: fictional, at a reserved example domain (RFC 2606). */
	record DemoCustomer(String email, String name, String country, @Nullable String region, String planCode,
			Channel channel) {
	}

	static final List<DemoCustomer> CUSTOMERS = List.of(
			new DemoCustomer("erika.demo@example.com", "Erika Mustermann (demo)", "DE", null, "antivirus-annual",
					Channel.DIRECT),
			new DemoCustomer("casey.demo@example.com", "Casey Coyote (demo)", "US", "CA", "vpn-annual", Channel.DIRECT),
			new DemoCustomer("sam.store.demo@example.com", "Sam Store (demo)", "IE", null, "utilities-annual",
					Channel.APP_STORE));

	/** The advisory lock the seeding holds, as a {@code hashtextextended} key. */
	static final String SEED_LOCK = "subdesk.demo.seed";

	private final Accounts accounts;

	private final Subscriptions subscriptions;

	private final Disclosures disclosures;

	private final DataSource dataSource;

	private final ProductionMarkWatch productionMark;

	DemoCustomers(Accounts accounts, Subscriptions subscriptions, Disclosures disclosures, DataSource dataSource,
			ProductionMarkWatch productionMark) {
		this.productionMark = productionMark;
		this.disclosures = disclosures;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.dataSource = dataSource;
	}

	@Override
	public void run(ApplicationArguments args) {
		seed();
	}

	/**
	 * Creates whatever of the demo customers is missing; returns how many accounts it opened. Holds {@link #SEED_LOCK}
	 * on a connection of its own, outside any transaction (the purchases charge a card, which is never done in one).
	 */
	private static void unlock(JdbcClient session) {
		session.sql("SELECT pg_advisory_unlock(hashtextextended(:key, 0))").param("key", SEED_LOCK).query().listOfRows();
	}

	int seed() {
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(true);
			JdbcClient session = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			session.sql("SELECT pg_advisory_lock(hashtextextended(:key, 0))").param("key", SEED_LOCK).query().listOfRows();
			int opened;
			try {
				opened = seedUnderLock();
			}
			catch (RuntimeException e) {
				// the reason the seeding stopped is the one to tell, even when the unlock fails too (the database gone)
				try {
					unlock(session);
				}
				catch (RuntimeException unlocking) {
					e.addSuppressed(unlocking);
				}
				throw e;
			}
			unlock(session);
			return opened;
		}
		catch (SQLException e) {
			throw new IllegalStateException("Demo mode: no connection to seed the demo customers with", e);
		}
	}

	private int seedUnderLock() {
		int opened = 0;
		List<String> done = new ArrayList<>(); // seeded now or before
		for (DemoCustomer customer : CUSTOMERS) {
			ProductionMarkWatch.DemoMode mode;
			try {
				mode = productionMark.readDemoMode();
			}
			catch (DataAccessException e) {
				throw new IllegalStateException("Demo mode: the demo customers could not all be seeded, so this start "
						+ "fails: production_mark (which says whether a production start has marked this database) could "
						+ "not be read before " + customer.email() + " (the ones in place: " + (done.isEmpty() ? "none" : done)
						+ "), and no demo customer is seeded without knowing that. Start the node again once the database "
						+ "answers: the seeding goes on where it stopped.", e);
			}
			if (mode == ProductionMarkWatch.DemoMode.MARKED) {
				// a production start marked the database meanwhile: the watch has logged it and is stopping the node
				break;
			}
			Optional<Account> existing = find(customer.email());
			Account account;
			if (existing.isPresent()) {
				account = existing.get();
			}
			else {
				try {
					account = accounts.open(customer.email(), customer.name(), customer.country(), customer.region());
					opened++;
				}
				catch (SubdeskException e) {
					// another node opened it meanwhile
					account = find(customer.email()).orElseThrow(() -> e);
				}
			}
			if (account.closed() || !subscriptions.forAccount(account.id()).isEmpty()) {
				done.add(customer.email());
				continue;
			}
			String accountId = account.id();
			String card = null;
			ConsentRequest consent = null;
			if (customer.channel() == Channel.DIRECT) {
				card = accounts.defaultPaymentMethod(accountId)
					.orElseGet(() -> accounts.addPaymentMethod(accountId, "tok_visa"))
					.id();
				// the demo customer "ticked" the separate box where the checkout shows one and "clicked" the checkout
				// button that carried the disclosure's words
				dev.subdesk.checkout.Disclosure shown = disclosures.disclose(accountId, customer.planCode(), null);
				consent = new ConsentRequest(shown.id(),
						shown.separateConsentCheckbox() ? ConsentMethod.CHECKBOX : ConsentMethod.BUTTON,
						ConsentChannel.CHECKOUT, null, null,
						disclosures.consentWords(shown, java.util.Locale.ENGLISH).recorded());
			}
			subscriptions.purchase(
					new PurchaseRequest(account.id(), customer.planCode(), card, null, customer.channel(), consent));
			done.add(customer.email());
		}
		if (opened > 0) {
			log.warn("Demo mode: seeded {} demo customers ({}); read their emails at /demo/mailbox.", opened,
					CUSTOMERS.stream().map(DemoCustomer::email).toList());
		}
		return opened;
	}

	private Optional<Account> find(String email) {
		return accounts.findByEmail(email, Page.Request.first(1)).data().stream().findFirst();
	}
}
