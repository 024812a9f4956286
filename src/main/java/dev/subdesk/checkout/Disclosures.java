package dev.subdesk.checkout;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.Term;
import dev.subdesk.jurisdictions.JurisdictionRules;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.jurisdictions.ScheduledNotice;
import dev.subdesk.shared.Digests;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.WithdrawalPeriod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes the disclosure a buyer must see before agreeing (R-US-1, R-CA-1, R-NY-1, R-MA-1, R-EU-1): the price, that
 * it renews until cancelled, how often, when and how much is charged (calendar dates; the first renewal at the price it
 * will really charge, a price change already scheduled before it named with its day), the deadline to stop the next
 * charge, how to cancel online, the money-back policy (R-REF-1) and, in the EU, the right of withdrawal. The text
 * is a function of those facts and the day it was written, so a purchase can check that the disclosure is still true
 * of it ({@link #stillTrue}); accepted on a later day, within its validity, it backs the purchase only where its words
 * still hold ({@link #dayOver}: a trial's, outside a withdrawal period), and the purchase then keeps the days it states
 * ({@link Consents#termsFrom}). The text
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
	private final FirstRenewalPrices firstRenewalPrices;
	private final Jurisdictions jurisdictions;
	private final BaseTrials baseTrials;
	private final Clock clock;
	private final String baseUrl;
	private final Duration validFor;

	Disclosures(JdbcCheckoutRepository repository, Accounts accounts, Catalog catalog, Jurisdictions jurisdictions,
			BaseTrials baseTrials, Clock clock, @Value("${subdesk.public-base-url}") String baseUrl,
			@Value("${subdesk.checkout.disclosure-valid-for:PT1H}") Duration validFor,
			dev.subdesk.catalog.PriceChanges priceChanges, FirstRenewalPrices firstRenewalPrices) {
		this.priceChanges = priceChanges;
		this.firstRenewalPrices = firstRenewalPrices;
		this.repository = repository;
		this.accounts = accounts;
		this.catalog = catalog;
		this.jurisdictions = jurisdictions;
		this.baseTrials = baseTrials;
		this.clock = clock;
		this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		this.validFor = validFor;
	}

	/**
	 * A new disclosure of {@code planCode} for the account, chosen by its country and region. Unknown account, plan or
	 * parent subscription (also one of another account): {@code 400} on the field; an add-on without its parent or a
	 * base plan with one: {@code 400}; a closed
	 * account: {@code 409 ACCOUNT_CLOSED}. Always a new row, written for the API ({@link DisclosureOrigin#API}): its
	 * caller holds its id, so no page ever shows it ({@link #shown}) for someone else to accept.
	 */
	@Transactional
	public Disclosure disclose(String accountId, String planCode, @Nullable String parentSubscriptionId) {
		return disclose(accountId, planCode, parentSubscriptionId, Locale.ENGLISH);
	}

	/**
	 * {@link #disclose(String, String, String)} in a language: German ({@code de}) writes the German text, with
	 * amounts and calendar days as the German pages and letters show them ({@code 59,99 $}, {@code 4. Dezember 2026},
	 * days of the account's country); any other language the English one. The text is what the consent record keeps.
	 */
	@Transactional
	public Disclosure disclose(String accountId, String planCode, @Nullable String parentSubscriptionId,
			Locale language) {
		Disclosure disclosure = written(accountId, planCode, parentSubscriptionId, language);
		repository.insert(disclosure, DisclosureOrigin.API);
		return disclosure;
	}

	/**
	 * The disclosure a page shows (the hosted checkout, on every view): the account's earlier one of the same plan,
	 * parent, jurisdiction, prices, trial, term and exact words (so the same day and language) when no purchase holds
	 * or accepted it and it stays valid at least half as long as a new one would ({@code
	 * subdesk.checkout.disclosure-valid-for}, or its midnight where its words name today: then the same); else a new
	 * one, as {@link #disclose(String, String, String, Locale)}. Only one a page wrote is shown again ({@link
	 * DisclosureOrigin#CHECKOUT}), never one the API handed to an integrator, who may still send it with a purchase;
	 * and what a page writes is never handed to the API. A reload then stores no new row; the rows nobody
	 * accepted are deleted a day after they expired ({@link UnfinishedCheckouts}).
	 */
	@Transactional
	public Disclosure shown(String accountId, String planCode, @Nullable String parentSubscriptionId,
			Locale language) {
		Disclosure fresh = written(accountId, planCode, parentSubscriptionId, language);
		Optional<Disclosure> earlier = repository.reusable(fresh,
				java.sql.Timestamp.from(fresh.expiresAt().minus(validFor.dividedBy(2))),
				java.sql.Timestamp.from(fresh.createdAt()), this::separateCheckbox);
		if (earlier.isPresent()) {
			return earlier.get();
		}
		repository.insert(fresh, DisclosureOrigin.CHECKOUT);
		return fresh;
	}

	/** A new disclosure as {@link #disclose(String, String, String, Locale)} checks and writes it, not yet stored. */
	private Disclosure written(String accountId, String planCode, @Nullable String parentSubscriptionId,
			Locale language) {
		Account account = accounts.find(accountId)
			.orElseThrow(() -> SubdeskException.invalid("accountId", "no such account"));
		Instant now = clock.instant();
		Plan plan = catalog.forSale(planCode)
			.map(p -> priceChanges.current(p, now))
			.orElseThrow(() -> SubdeskException.invalid("planCode", "no such plan"))
			.offeredIn(account.country());
		if (plan.isAddOn() && parentSubscriptionId == null) {
			throw SubdeskException.invalid("parentSubscriptionId", "an add-on needs the subscription it adds to");
		}
		if (!plan.isAddOn() && parentSubscriptionId != null) {
			throw SubdeskException.invalid("parentSubscriptionId", "a base plan has no parent subscription");
		}
		if (parentSubscriptionId != null && !baseTrials.isOf(account.id(), parentSubscriptionId)) {
			throw SubdeskException.invalid("parentSubscriptionId", "no such subscription on this account");
		}
		if (account.closed()) {
			throw new AccountClosedException(account.id());
		}
		if (!plan.forSale()) {
			throw SubdeskException.of(dev.subdesk.catalog.CatalogErrorCode.PLAN_RETIRED, "The plan " + plan.code() + " is no longer sold");
		}
		Facts facts = facts(account, plan, parentSubscriptionId, now);
		String text = text(facts, language);
		Disclosure disclosure = new Disclosure(Ids.next("dsc"), account.id(), plan.code(), parentSubscriptionId,
				facts.rules().id(), text, sha256(text), plan.price(), facts.renewalPrice(), plan.term().name(),
				facts.trial() == null ? 0 : facts.trial().days(), firstCharge(facts.trial(), now), facts.rules().rules(),
				separateCheckbox(facts.rules().separateConsentCheckbox(), facts.trial() == null ? 0 : facts.trial().days()),
				now, expiresAt(account, facts, now));
		return disclosure;
	}

	/**
	 * Whether a purchase at {@code at} by {@code account} would do what the disclosure says: the same trial (or none),
	 * the same renewal price, and the very text (its SHA-256, in English or German) that the facts known at {@code at}
	 * write for the disclosure's own instant: the plan as sold at {@code at}, the account's jurisdiction and zone, the
	 * base's trial, the price changes scheduled by then (as they reach a purchase at {@code at}), with the calendar days
	 * counted from the disclosure's instant, as its text counts them. A base whose trial converted since, a price
	 * change scheduled since, another price, plan wording or jurisdiction make it false: the consent record would keep
	 * words that no longer describe the purchase. A later calendar day does not: the purchase keeps the days the text
	 * names ({@link Consents#termsFrom}), so a disclosure read before midnight can be accepted after it.
	 */
	boolean stillTrue(Disclosure d, Account account, Instant at) {
		Optional<Plan> plan = catalog.forSale(d.planCode())
			.map(p -> priceChanges.current(p, at).offeredIn(account.country()));
		if (plan.isEmpty()) {
			return false;
		}
		Facts facts = facts(account, plan.get(), d.parentSubscriptionId(), d.createdAt(), at);
		if ((d.trialDays() > 0) != (facts.trial() != null) || !d.renewalPrice().equals(facts.renewalPrice())) {
			return false;
		}
		if (!d.textSha256().equals(sha256(text(facts, Locale.ENGLISH)))
				&& !d.textSha256().equals(sha256(text(facts, Locale.GERMAN)))) {
			return false;
		}
		// a purchase that counts its first period from itself renews up to the validity later than the text's instant:
		// the price change that reaches that renewal must be the one the text states
		Plan sold = plan.get();
		Trial trial = facts.trial();
		java.util.function.UnaryOperator<Instant> firstEnd = trial == null ? from -> sold.term().boundary(from, 1)
				: trial.withBase() ? from -> trial.end() : sold::trialEnd;
		Instant from = termsFrom(d, account, at, firstEnd);
		return from.equals(d.createdAt())
				|| firstRenewalPrices.at(sold, account.country(), at, firstEnd.apply(from)).equals(facts.newPrice());
	}

	/**
	 * Whether the disclosure's day is over for a purchase at {@code at} in a way that makes its words untrue, so that it
	 * cannot back that purchase (it is read again and accepted anew): without a trial its text says the price is
	 * charged "today", the day it was written, while the card is charged at the purchase, on a later day in the
	 * customer's zone; where the customer may withdraw (R-EU-1) its text names the period's last day, counted from the
	 * disclosure's day, while the period runs from the conclusion of the contract, the purchase, and so ends a day
	 * later: the stated deadline would differ from (and be shorter than) the customer's right; a trial ending sooner
	 * than its reminder's lead says the reminder is sent today, and the purchase sends it on its own day. A trial without
	 * a withdrawal period and with its reminder ahead is not refused for it: nothing is charged at the purchase, as its
	 * text says, and the purchase keeps the days it names ({@link #termsFrom}). {@code at} is the purchase's acceptance
	 * (its first check), also when it is checked again as it is recorded after the gateway's answer. A new disclosure's
	 * {@code expiresAt} is that day's end when it comes first ({@link #expiresAt}).
	 */
	boolean dayOver(Disclosure d, Account account, Instant at) {
		boolean trial = d.trialDays() > 0;
		return d.createdAt().isBefore(at)
				&& dayEnds(account, d.createdAt(), trial, trial && remindsToday(d.firstChargeAt(), d.term(), d.createdAt()))
					.filter(end -> !at.isBefore(end))
					.isPresent();
	}

	/**
	 * When the words a disclosure written at {@code createdAt} says of its own day stop holding ({@link #dayOver}): at
	 * the customer's midnight when it says a charge is made today (no {@code trial}) or, for a trial ending sooner than
	 * its reminder's lead, that the reminder is sent today ({@code remindsToday}: sent on a later day, it would not be
	 * the one promised); at the midnight of the days a withdrawal period is counted in where it names the period's last
	 * day (R-EU-1: the period runs from the acceptance). Empty when it names no such day: a trial elsewhere ("nothing
	 * charged today" still holds tomorrow).
	 */
	private Optional<Instant> dayEnds(Account account, Instant createdAt, boolean trial, boolean remindsToday) {
		Instant end = null;
		if (!trial || remindsToday) {
			java.time.ZoneId zone = Formats.zone(account.country(), account.region());
			end = createdAt.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
		}
		if (jurisdictions.forCustomer(account.country(), account.region()).withdrawal()) {
			Instant withdrawal = WithdrawalPeriod.nextDay(createdAt, account.country());
			end = end == null || withdrawal.isBefore(end) ? withdrawal : end;
		}
		return Optional.ofNullable(end);
	}

	/**
	 * A new disclosure's {@code expiresAt}: its validity ({@code subdesk.checkout.disclosure-valid-for}) from
	 * {@code now}, or the customer's midnight before that when its words name today ({@link #dayEnds}), so that it
	 * shows when it stops backing a purchase.
	 */
	private Instant expiresAt(Account account, Facts facts, Instant now) {
		Instant valid = now.plus(validFor);
		Trial trial = facts.trial();
		return dayEnds(account, now, trial != null,
				trial != null && remindsToday(trial.end(), facts.plan().term().name(), now))
			.filter(end -> end.isBefore(valid))
			.orElse(valid);
	}

	/**
	 * Whether a trial that converts at {@code firstCharge}, disclosed at {@code now}, ends sooner than the TRIAL_ENDING
	 * reminder's lead, so that its disclosure says the reminder is sent today (an add-on on a base whose trial ends
	 * soon): the purchase sends it at once.
	 */
	private boolean remindsToday(Instant firstCharge, String term, Instant now) {
		return firstCharge.minus(Duration.ofDays(jurisdictions.daysBefore(ScheduledNotice.TRIAL_ENDING, term)))
			.isBefore(now);
	}

	/**
	 * The instant a purchase at {@code purchase} with this disclosure counts its first period from, {@code firstEnd}
	 * giving the end of a first period counted from an instant (see {@link Consents#termsFrom}): the purchase when
	 * that period then ends on the calendar day the text names, else the disclosure's own instant.
	 */
	static Instant termsFrom(Disclosure d, Account account, Instant purchase,
			java.util.function.UnaryOperator<Instant> firstEnd) {
		Instant disclosedAt = d.createdAt();
		if (!disclosedAt.isBefore(purchase)
				|| day(account, firstEnd.apply(purchase)).equals(day(account, firstEnd.apply(disclosedAt)))) {
			return purchase;
		}
		return disclosedAt;
	}

	/**
	 * What a disclosure states, from the plan as offered to the account at {@code now}: the trial, the first renewal
	 * (after a trial: the first charge) and the price it charges (a change scheduled before it included), the rule
	 * table's entry and the customer's zone for calendar days.
	 */
	private record Facts(Plan plan, @Nullable Trial trial, Instant renewal,
			Optional<FirstRenewalPrices.NewPrice> newPrice, JurisdictionRules rules, String country, ZoneId zone,
			Instant now) {

		Money renewalPrice() {
			return newPrice.map(FirstRenewalPrices.NewPrice::price).orElse(plan.price());
		}
	}

	private Facts facts(Account account, Plan plan, @Nullable String parentSubscriptionId, Instant now) {
		return facts(account, plan, parentSubscriptionId, now, now);
	}

	/**
	 * The facts a disclosure written at {@code now} states, for a purchase made at {@code purchase} (at or after
	 * {@code now}): the days count from {@code now}, the price changes reach the first renewal as they reach a purchase
	 * at {@code purchase}.
	 */
	private Facts facts(Account account, Plan plan, @Nullable String parentSubscriptionId, Instant now, Instant purchase) {
		JurisdictionRules rules = jurisdictions.forCustomer(account.country(), account.region());
		Trial trial = trial(plan, account.id(), parentSubscriptionId, now);
		Instant renewal = trial != null ? trial.end() : plan.term().boundary(now, 1);
		// the customer's own days: a state's zone in the US (R-NY-1, R-MA-1: the cancel-by day must not come later
		// there than the charge), the country's elsewhere
		ZoneId zone = Formats.zone(account.country(), account.region());
		return new Facts(plan, trial, renewal, firstRenewalPrices.at(plan, account.country(), purchase, renewal), rules,
				account.country(), zone, now);
	}

	/** The calendar day of {@code instant} as the account's disclosures name days (its state's or country's zone). */
	static java.time.LocalDate day(Account account, Instant instant) {
		return instant.atZone(Formats.zone(account.country(), account.region())).toLocalDate();
	}

	private String text(Facts facts, Locale language) {
		return german(language) ? germanText(facts) : text(facts);
	}

	@Transactional(readOnly = true)
	public Optional<Disclosure> find(String id) {
		return repository.disclosure(id, this::separateCheckbox);
	}

	private boolean separateCheckbox(String jurisdiction, int trialDays) {
		JurisdictionRules rules = jurisdictions.all().get(jurisdiction);
		return separateCheckbox(rules != null && rules.separateConsentCheckbox(), trialDays);
	}

	/**
	 * Whether the consent is asked with a separate, unticked checkbox: where the jurisdiction asks for one (the rule
	 * table's {@code separateConsentCheckbox}: California, and the US with the state unknown, R-CA-1/2), and for every
	 * free trial that converts into payments, wherever the buyer lives (R-CARD-1: Visa's separate consent to the trial's
	 * conversion), its words naming the trial's end and the first charge ({@link #checkboxWords}).
	 */
	static boolean separateCheckbox(boolean jurisdictionAsks, int trialDays) {
		return jurisdictionAsks || trialDays > 0;
	}

	/**
	 * The words of the controls a page asks for the consent with, beside the disclosure's text, in the order shown: the
	 * separate checkbox's ({@code checkbox}, null where the page shows none: {@link Disclosure#separateConsentCheckbox}),
	 * the note beside the order button ({@code buttonNote}, empty where the button's words say it all) and the button's.
	 * They are the server's own words, from the disclosure (plan, prices, term, trial and its last day), never the
	 * buyer's name, email or address.
	 */
	public record ConsentWords(@Nullable String checkbox, String buttonNote, String button) {

		/**
		 * The words as the consent record keeps them (R-US-2, "the wording"): one line per control, in the order shown,
		 * the checkbox's and the note's only where shown.
		 */
		public String recorded() {
			java.util.List<String> lines = new java.util.ArrayList<>(3);
			if (checkbox != null) {
				lines.add(checkbox);
			}
			if (!buttonNote.isEmpty()) {
				lines.add(buttonNote);
			}
			lines.add(button);
			return String.join("\n", lines);
		}
	}

	/**
	 * The words of the consent controls a page shows with the disclosure {@code d} in {@code language} (the hosted
	 * checkout): the separate checkbox's where it asks with one, its trial's last day as the customer's calendar names
	 * it (the day the text names), the order button's and the note beside it.
	 */
	@Transactional(readOnly = true)
	public ConsentWords consentWords(Disclosure d, Locale language) {
		String checkbox = null;
		if (d.separateConsentCheckbox()) {
			Account account = accounts.find(d.accountId()).orElseThrow();
			checkbox = checkboxWords(d, language, Formats.zone(account.country(), account.region()));
		}
		return new ConsentWords(checkbox, buttonNote(d, language), buttonWords(d, language));
	}

	/**
	 * The purchase button's words as the law asks: what the click does, that it renews and at what price, until
	 * cancelled ("Subscribe — renews automatically at $59.99 a year until you cancel").
	 */
	public static String buttonWords(Disclosure d) {
		return buttonWords(d, Locale.ENGLISH);
	}

	/**
	 * {@link #buttonWords(Disclosure)} in a language. German: exactly "Zahlungspflichtig bestellen", the wording
	 * § 312j (3) BGB names for the order button (also for a free trial that converts into payments), with the renewal
	 * told in {@link #buttonNote} right beside it rather than on the button.
	 */
	public static String buttonWords(Disclosure d, Locale language) {
		if (german(language)) {
			return "Zahlungspflichtig bestellen";
		}
		if (d.trialDays() > 0) {
			return "Start free trial — then renews automatically at %s a %s until you cancel".formatted(
					Formats.money(d.renewalPrice()), every(Term.parse(d.term())));
		}
		return "Subscribe — renews automatically at %s a %s until you cancel".formatted(Formats.money(d.renewalPrice()),
				every(Term.parse(d.term())));
	}

	/**
	 * What the order button commits to, told next to it where the button's own words do not say it (German):
	 * "Verlängert sich automatisch für 59,99 $ pro Jahr, bis Sie kündigen." English: empty, the button says it.
	 */
	public static String buttonNote(Disclosure d, Locale language) {
		if (!german(language)) {
			return "";
		}
		Term term = Term.parse(d.term());
		String renews = "verlängert sich automatisch für %s pro %s, bis Sie kündigen.".formatted(
				Formats.money(d.renewalPrice(), Locale.GERMAN), perGerman(term));
		return d.trialDays() > 0 ? "Nach %d Tagen kostenlosem Test kostenpflichtig: Das Abonnement %s".formatted(
				d.trialDays(), renews) : "Das Abonnement " + renews;
	}

	/**
	 * The words of the separate, unticked consent checkbox ({@link #separateCheckbox}) in a language. A free trial's
	 * name the trial, the calendar day it ends in {@code zone} (the customer's, as the text names it) and the first
	 * charge made then, with its amount (R-CARD-1); without a trial, the renewal and its price.
	 */
	public static String checkboxWords(Disclosure d, Locale language, ZoneId zone) {
		Term term = Term.parse(d.term());
		java.time.LocalDate trialEnds = d.firstChargeAt().atZone(zone).toLocalDate();
		if (german(language)) {
			String price = Formats.money(d.renewalPrice(), Locale.GERMAN);
			return d.trialDays() > 0 ? ("Ich bin einverstanden, dass mein %d-tägiger kostenloser Test am %s endet, dann "
					+ "die erste Abbuchung von %s von meiner Karte erfolgt und sich mein Abonnement danach automatisch %s "
					+ "für %s verlängert, bis ich kündige.").formatted(d.trialDays(), Formats.date(trialEnds, Locale.GERMAN),
							price, adverbGerman(term), price)
					: ("Ich bin einverstanden, dass sich mein Abonnement automatisch %s für %s verlängert, abgebucht "
							+ "von meiner Karte, bis ich kündige.").formatted(adverbGerman(term), price);
		}
		String price = Formats.money(d.renewalPrice());
		if (d.trialDays() > 0) {
			return ("I agree that my %d-day free trial ends on %s, when the first charge of %s is made to my card, and "
					+ "that my subscription then renews automatically every %s at %s until I cancel.").formatted(
							d.trialDays(), Formats.date(trialEnds, Locale.ENGLISH), price, every(term), price);
		}
		return "I agree that my subscription renews automatically every %s at %s, charged to my card, until I cancel."
			.formatted(every(term), price);
	}

	/**
	 * When the first charge happens: now, or at the end of the free trial a plan with trial days starts with
	 * (R-US-1, R-CARD-1: the trial, its end and the price after it are disclosed before consent).
	 */
	private static Instant firstCharge(@Nullable Trial trial, Instant now) {
		return trial != null ? trial.end() : now;
	}

	/**
	 * A free trial the purchase starts with: the plan's own ({@code withBase} false), or the rest of the trial of the
	 * base an add-on is bought onto, which the add-on shares (it converts with the base: {@code withBase} true).
	 * {@code days}: the plan's trial days, or the whole days left of the base's trial, rounded up.
	 */
	private record Trial(Instant end, int days, boolean withBase) {
	}

	private @Nullable Trial trial(Plan plan, String accountId, @Nullable String parentSubscriptionId, Instant now) {
		if (plan.hasTrial()) {
			return new Trial(plan.trialEnd(now), plan.trialDays(), false);
		}
		if (parentSubscriptionId == null) {
			return null;
		}
		return baseTrials.trialEnd(accountId, parentSubscriptionId)
			.map(end -> new Trial(end, (int) Math.max(1, (Duration.between(now, end).toSeconds() + 86_399) / 86_400), true))
			.orElse(null);
	}

	private String text(Facts facts) {
		Plan plan = facts.plan();
		Trial trial = facts.trial();
		Instant now = facts.now();
		Instant renewal = facts.renewal();
		java.util.function.Function<Instant, String> day = instant -> Formats.date(
				instant.atZone(facts.zone()).toLocalDate(), Locale.ENGLISH);
		String every = every(plan.term());
		// the price the first renewal charges: a change scheduled before it is said with its day
		String renewalPrice = facts.newPrice()
			.map(p -> "%s (the plan's new price from %s)".formatted(Formats.money(p.price()), day.apply(p.effectiveFrom())))
			.orElse(Formats.money(plan.price()));
		String acceptance = facts.newPrice()
			.filter(FirstRenewalPrices.NewPrice::consentRequired)
			.map(p -> (" The new price applies only if you accept it: we ask you before %s; if you do not accept it, the "
					+ "subscription ends on %s and nothing more is charged.").formatted(day.apply(renewal), day.apply(renewal)))
			.orElse("");
		StringBuilder text = new StringBuilder();
		if (trial != null) {
			text.append(trial.withBase()
					? "%s: free until the free trial of the subscription it is added to ends, nothing charged today (%s)."
						.formatted(plan.name(), day.apply(now))
					: "%s: free trial for %d days, nothing charged today (%s).".formatted(plan.name(), trial.days(),
							day.apply(now)));
			text.append((" Unless you cancel before the trial ends, %s is charged automatically to your card on %s (the "
					+ "end of the trial), then every %s after that until you cancel.").formatted(renewalPrice,
							day.apply(renewal), every));
			text.append(acceptance);
			int lead = jurisdictions.daysBefore(ScheduledNotice.TRIAL_ENDING, plan.term().name());
			text.append("\nTo pay nothing at all, cancel before %s. ".formatted(day.apply(renewal)));
			// an add-on on a base whose trial ends sooner than the reminder's days gets its reminder at once, with the
			// purchase, on the day it is bought: the disclosure's day (after it, the disclosure backs no purchase)
			text.append(!remindsToday(renewal, plan.term().name(), now)
					? "We remind you %d days before the trial ends.".formatted(lead)
					: "The trial ends in less than %d days: we send you a reminder today.".formatted(lead));
		}
		else {
			text.append(("%s: %s today (%s), then %s every %s, charged automatically to your card on %s and every %s "
					+ "after that until you cancel.").formatted(plan.name(), Formats.money(plan.price()), day.apply(now),
							renewalPrice, every, day.apply(renewal), every));
			text.append(acceptance);
		}
		text.append(("\nTo stop the next charge, cancel before %s. Cancel online at any time, in one minute: %s/cancel "
				+ "(no sign-in needed) or in your account at %s/portal. We remind you before each renewal.")
			.formatted(day.apply(renewal), baseUrl, baseUrl));
		text.append("\nMoney-back guarantee: cancel within %d days of any charge for a full refund of that charge."
			.formatted(plan.moneyBackDays()));
		if (facts.rules().withdrawal()) {
			text.append(("\nRight of withdrawal: you may withdraw from this contract within %d days without giving any "
					+ "reason, until the end of %s, at %s/withdraw; everything you paid goes back to your card.")
				.formatted(facts.rules().withdrawalDays(), WithdrawalPeriod.lastDay(now, facts.country()).format(DAY),
						baseUrl));
		}
		return text.toString();
	}

	/**
	 * The German text, sentence by sentence the English one's: the same facts, German amounts ({@code 59,99 $}) and
	 * calendar days of the account's country ({@code 4. Dezember 2026}), the plan's German name. R-EU-1: the right of
	 * withdrawal with its last day; R-EU-2: the service starts at once and a withdrawal still refunds everything, so
	 * no proportionate amount is ever kept (the express request the law asks for before keeping one is not needed).
	 */
	private String germanText(Facts facts) {
		Plan plan = facts.plan();
		Trial trial = facts.trial();
		Instant now = facts.now();
		Instant renewal = facts.renewal();
		java.util.function.Function<Instant, String> day = instant -> Formats.date(
				instant.atZone(facts.zone()).toLocalDate(), Locale.GERMAN);
		String name = catalog.name(plan.code(), Locale.GERMAN);
		String price = Formats.money(plan.price(), Locale.GERMAN);
		String renewalPrice = facts.newPrice()
			.map(p -> "%s (der neue Preis des Tarifs ab dem %s)".formatted(Formats.money(p.price(), Locale.GERMAN),
					day.apply(p.effectiveFrom())))
			.orElse(price);
		String acceptance = facts.newPrice()
			.filter(FirstRenewalPrices.NewPrice::consentRequired)
			.map(p -> (" Der neue Preis gilt nur, wenn Sie ihm zustimmen: Wir fragen Sie vor dem %s; stimmen Sie nicht "
					+ "zu, endet das Abonnement am %s, und es wird nichts mehr abgebucht.").formatted(day.apply(renewal),
							day.apply(renewal)))
			.orElse("");
		String adverb = adverbGerman(plan.term());
		StringBuilder text = new StringBuilder();
		if (trial != null) {
			text.append(trial.withBase()
					? "%s: kostenlos bis zum Ende des kostenlosen Tests des Abonnements, zu dem sie hinzukommt, heute (%s) wird nichts abgebucht."
						.formatted(name, day.apply(now))
					: "%s: %d Tage kostenloser Test, heute (%s) wird nichts abgebucht.".formatted(name, trial.days(),
							day.apply(now)));
			text.append((" Wenn Sie nicht vor dem Ende des Tests kündigen, werden am %s (Ende des Tests) automatisch %s von "
					+ "Ihrer Karte abgebucht, danach %s, bis Sie kündigen.").formatted(day.apply(renewal), renewalPrice,
							adverb));
			text.append(acceptance);
			int lead = jurisdictions.daysBefore(ScheduledNotice.TRIAL_ENDING, plan.term().name());
			text.append("\nUm gar nichts zu bezahlen, kündigen Sie vor dem %s. ".formatted(day.apply(renewal)));
			text.append(!remindsToday(renewal, plan.term().name(), now)
					? "Wir erinnern Sie %d Tage vor dem Ende des Tests.".formatted(lead)
					: "Der Test endet in weniger als %d Tagen: Wir schicken Ihnen heute eine Erinnerung.".formatted(lead));
		}
		else {
			text.append(("%s: heute (%s) %s, danach %s pro %s. Das Abonnement verlängert sich automatisch, bis Sie "
					+ "kündigen; der Betrag wird am %s und danach %s automatisch von Ihrer Karte abgebucht.").formatted(name,
							day.apply(now), price, renewalPrice, perGerman(plan.term()), day.apply(renewal), adverb));
			text.append(acceptance);
		}
		text.append(("\nUm die nächste Abbuchung zu verhindern, kündigen Sie vor dem %s. Kündigen Sie jederzeit online in "
				+ "einer Minute: %s/cancel (ohne Anmeldung, „Verträge hier kündigen“) oder in Ihrem Konto unter %s/portal. "
				+ "Wir erinnern Sie vor jeder Verlängerung.").formatted(day.apply(renewal), baseUrl, baseUrl));
		text.append(("\nGeld-zurück-Garantie: Kündigen Sie innerhalb von %d Tagen nach einer Abbuchung, erstatten wir "
				+ "diese Abbuchung vollständig.").formatted(plan.moneyBackDays()));
		if (facts.rules().withdrawal()) {
			text.append(("\nWiderrufsrecht: Sie können diesen Vertrag binnen %d Tagen ohne Angabe von Gründen widerrufen, "
					+ "bis zum Ende des %s, unter %s/withdraw („Vertrag widerrufen“). Die Leistung beginnt sofort; "
					+ "widerrufen Sie, erstatten wir trotzdem alles, was Sie gezahlt haben, auf Ihre Karte.")
				.formatted(facts.rules().withdrawalDays(),
						Formats.date(WithdrawalPeriod.lastDay(now, facts.country()), Locale.GERMAN), baseUrl));
		}
		return text.toString();
	}

	private static boolean german(Locale language) {
		return "de".equals(language.getLanguage());
	}

	private static String perGerman(Term term) {
		return term == Term.P1Y ? "Jahr" : "Monat";
	}

	private static String adverbGerman(Term term) {
		return term == Term.P1Y ? "jährlich" : "monatlich";
	}

	private static String every(Term term) {
		return term == Term.P1Y ? "year" : "month";
	}

	/** The lower-case hex SHA-256 of the UTF-8 text. */
	public static String sha256(String text) {
		return Digests.sha256Hex(text);
	}
}
