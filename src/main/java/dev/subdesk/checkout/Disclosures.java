package dev.subdesk.checkout;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.Term;
import dev.subdesk.jurisdictions.JurisdictionRules;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.WithdrawalPeriod;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes the disclosure a buyer must see before agreeing (R-US-1, R-CA-1, R-NY-1, R-MA-1, R-EU-1): the price, that
 * it renews until cancelled, how often, when and how much is charged (calendar dates), the deadline to stop the next
 * charge, how to cancel online, the money-back policy (R-REF-1) and, in the EU, the right of withdrawal. The text
 * is the server's own words, never the customer's name or address, so it can be kept as evidence after the
 * account is closed. A disclosure backs one consent and expires after {@code subdesk.checkout.disclosure-valid-for}.
 */
@Service
public class Disclosures {

	private static final java.time.format.DateTimeFormatter DAY = java.time.format.DateTimeFormatter
		.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH);

	private final JdbcCheckoutRepository repository;
	private final Accounts accounts;
	private final Catalog catalog;
	private final dev.subdesk.catalog.PriceChanges priceChanges;
	private final Jurisdictions jurisdictions;
	private final Clock clock;
	private final String baseUrl;
	private final Duration validFor;

	Disclosures(JdbcCheckoutRepository repository, Accounts accounts, Catalog catalog, Jurisdictions jurisdictions,
			Clock clock, @Value("${subdesk.public-base-url}") String baseUrl,
			@Value("${subdesk.checkout.disclosure-valid-for:PT1H}") Duration validFor,
			dev.subdesk.catalog.PriceChanges priceChanges) {
		this.priceChanges = priceChanges;
		this.repository = repository;
		this.accounts = accounts;
		this.catalog = catalog;
		this.jurisdictions = jurisdictions;
		this.clock = clock;
		this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		this.validFor = validFor;
	}

	/**
	 * A new disclosure of {@code planCode} for the account, chosen by its country and region. Unknown account or
	 * plan: {@code 400} on the field; an add-on without its parent or a base plan with one: {@code 400}; a closed
	 * account: {@code 409 ACCOUNT_CLOSED}.
	 */
	@Transactional
	public Disclosure disclose(String accountId, String planCode, @Nullable String parentSubscriptionId) {
		Account account = accounts.find(accountId)
			.orElseThrow(() -> SubdeskException.invalid("accountId", "no such account"));
		Plan plan = catalog.forSale(planCode)
			.map(p -> priceChanges.current(p, clock.instant()))
			.orElseThrow(() -> SubdeskException.invalid("planCode", "no such plan"))
			.offeredIn(account.country());
		if (plan.isAddOn() && parentSubscriptionId == null) {
			throw SubdeskException.invalid("parentSubscriptionId", "an add-on needs the subscription it adds to");
		}
		if (!plan.isAddOn() && parentSubscriptionId != null) {
			throw SubdeskException.invalid("parentSubscriptionId", "a base plan has no parent subscription");
		}
		if (account.closed()) {
			throw new AccountClosedException(account.id());
		}
		if (!plan.forSale()) {
			throw SubdeskException.of(dev.subdesk.catalog.CatalogErrorCode.PLAN_RETIRED, "The plan " + plan.code() + " is no longer sold");
		}
		JurisdictionRules rules = jurisdictions.forCustomer(account.country(), account.region());
		Instant now = clock.instant();
		String text = text(plan, rules, account.country(), now);
		Disclosure disclosure = new Disclosure(Ids.next("dsc"), account.id(), plan.code(), parentSubscriptionId,
				rules.id(), text, sha256(text), plan.price(), plan.price(), plan.term().name(), plan.trialDays(),
				firstCharge(plan, now), rules.rules(),
				rules.separateConsentCheckbox(), now, now.plus(validFor));
		repository.insert(disclosure);
		return disclosure;
	}

	@Transactional(readOnly = true)
	public Optional<Disclosure> find(String id) {
		return repository.disclosure(id, this::separateCheckbox);
	}

	private boolean separateCheckbox(String jurisdiction) {
		JurisdictionRules rules = jurisdictions.all().get(jurisdiction);
		return rules != null && rules.separateConsentCheckbox();
	}

	/**
	 * The purchase button's words as the law asks: what the click does, that it renews and at what price, until
	 * cancelled ("Subscribe — renews automatically at $59.99 a year until you cancel").
	 */
	public static String buttonWords(Disclosure d) {
		if (d.trialDays() > 0) {
			return "Start free trial — then renews automatically at %s a %s until you cancel".formatted(
					Formats.money(d.renewalPrice()), every(Term.parse(d.term())));
		}
		return "Subscribe — renews automatically at %s a %s until you cancel".formatted(Formats.money(d.renewalPrice()),
				every(Term.parse(d.term())));
	}

	/** The words of the separate, unticked consent checkbox where the jurisdiction asks for one. */
	public static String checkboxWords(Disclosure d) {
		if (d.trialDays() > 0) {
			return ("I agree that after my %d-day free trial my subscription renews automatically every %s at %s, "
					+ "charged to my card, until I cancel.").formatted(d.trialDays(), every(Term.parse(d.term())),
							Formats.money(d.renewalPrice()));
		}
		return "I agree that my subscription renews automatically every %s at %s, charged to my card, until I cancel."
			.formatted(every(Term.parse(d.term())), Formats.money(d.renewalPrice()));
	}

	/**
	 * When the first charge happens: now, or at the end of the free trial a plan with trial days starts with
	 * (R-US-1, R-CARD-1: the trial, its end and the price after it are disclosed before consent).
	 */
	private static Instant firstCharge(Plan plan, Instant now) {
		return plan.hasTrial() ? plan.trialEnd(now) : now;
	}

	private String text(Plan plan, JurisdictionRules rules, String country, Instant now) {
		String every = every(plan.term());
		StringBuilder text = new StringBuilder();
		Instant renewal;
		if (plan.hasTrial()) {
			Instant first = firstCharge(plan, now);
			renewal = first;
			text.append(("%s: free trial for %d days, nothing charged today (%s). Unless you cancel before the trial "
					+ "ends, %s is charged automatically to your card on %s (the end of the trial), then every %s after "
					+ "that until you cancel.").formatted(plan.name(), plan.trialDays(), Formats.date(now),
							Formats.money(plan.price()), Formats.date(first), every));
			text.append(("\nTo pay nothing at all, cancel before %s. We remind you %d days before the trial ends.")
				.formatted(Formats.date(first), jurisdictions.daysBefore("TRIAL_ENDING", plan.term().name())));
		}
		else {
			renewal = plan.term().boundary(now, 1);
			text.append(("%s: %s today (%s), then %s every %s, charged automatically to your card on %s and every %s "
					+ "after that until you cancel.").formatted(plan.name(), Formats.money(plan.price()), Formats.date(now),
							Formats.money(plan.price()), every, Formats.date(renewal), every));
		}
		text.append(("\nTo stop the next charge, cancel before %s. Cancel online at any time, in one minute: %s/cancel "
				+ "(no sign-in needed) or in your account at %s/portal. We remind you before each renewal.")
			.formatted(Formats.date(renewal), baseUrl, baseUrl));
		text.append("\nMoney-back guarantee: cancel within %d days of any charge for a full refund of that charge."
			.formatted(plan.moneyBackDays()));
		if (rules.withdrawal()) {
			text.append(("\nRight of withdrawal: you may withdraw from this contract within %d days without giving any "
					+ "reason, until the end of %s, at %s/withdraw; everything you paid goes back to your card.")
				.formatted(rules.withdrawalDays(), WithdrawalPeriod.lastDay(now, country).format(DAY), baseUrl));
		}
		return text.toString();
	}

	private static String every(Term term) {
		return term == Term.P1Y ? "year" : "month";
	}

	/** The lower-case hex SHA-256 of the UTF-8 text. */
	public static String sha256(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
