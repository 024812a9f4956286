package dev.subdesk.catalog;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.SubdeskException.FieldError;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The vendor's changes to the catalog: products, plans, prices in more currencies, retiring a plan, and what may
 * change in a plan that customers already have ({@link PlanChanges}). Each change is one transaction that first
 * locks the catalog's version row, so changes from several nodes run one after the other; the database bumps the
 * version with the change, and this node reloads its copy when the change commits ({@link Catalog}).
 * <p>
 * Rules: codes are lower-case words ({@code [a-z0-9-]}, at most 63 characters) and unique ({@code 409 PLAN_EXISTS},
 * {@code PRODUCT_EXISTS}); a plan's products exist; an add-on attaches to base plans only and stays an add-on; a
 * base plan stays a base plan; money-back days never shrink (each charge was sold with its window: a shorter one
 * would take back what was promised; a new plan can have fewer); currencies are ISO 4217; amounts are positive
 * integers in the minor unit. A retired plan is sold no more ({@code 409 PLAN_RETIRED} when retired again).
 */
@Service
public class CatalogAdmin {

	/**
	 * The shortest free trial: the TRIAL_ENDING reminder of the rule table goes out 7 days before a trial converts
	 * (R-CARD-2: at least 7 days before the first charge), which a shorter trial would leave no time for.
	 */
	public static final int MIN_TRIAL_DAYS = 7;

	/**
	 * The highest price a plan or a price change may have, in minor units (ten billion in the major unit): far above
	 * any subscription, and far enough inside a {@code long} that every calculation on a price (a percentage, a share
	 * of a period) stays exact.
	 */
	static final long MAX_PRICE = 1_000_000_000_000L;

	private static final Pattern CODE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

	private static final String LOCK_VERSION = "SELECT version FROM catalog_version FOR UPDATE";

	private static final String INSERT_PRODUCT = """
			INSERT INTO products (code, name, position)
			VALUES (:code, :name, (SELECT coalesce(max(position), 0) + 1 FROM products))
			""";

	private static final String INSERT_PLAN = """
			INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days,
			                   add_on_to, position, trial_days, retention_percent_off)
			VALUES (:code, :name, :products, :term, :amount, :currency, :devices, :moneyBack, :addOnTo,
			        (SELECT coalesce(max(position), 0) + 1 FROM plans), :trial, :retention)
			""";

	private static final String UPDATE_PLAN = """
			UPDATE plans SET name = :name, device_limit = :devices, money_back_days = :moneyBack, add_on_to = :addOnTo,
			                 retention_percent_off = :retention
			WHERE code = :code
			""";

	private static final String RETIRE_PLAN = """
			UPDATE plans SET status = 'RETIRED', retired_at = :at WHERE code = :code AND status = 'ACTIVE'
			""";

	private static final String INSERT_PRICE = """
			INSERT INTO plan_prices (plan_code, currency, amount, created_at) VALUES (:code, :currency, :amount, :at)
			""";

	private final JdbcClient jdbc;
	private final Catalog catalog;

	CatalogAdmin(JdbcClient jdbc, Catalog catalog) {
		this.jdbc = jdbc;
		this.catalog = catalog;
	}

	/** A new product. {@code 409 PRODUCT_EXISTS} when the code is taken. */
	@Transactional
	public Product createProduct(@Nullable String code, @Nullable String name) {
		Problems problems = new Problems();
		problems.code("code", code);
		problems.name("name", name);
		problems.throwIfAny();
		lockCatalog();
		if (catalog.product(Objects.requireNonNull(code)).isPresent()) {
			throw SubdeskException.of(CatalogErrorCode.PRODUCT_EXISTS, "A product with the code " + code + " exists");
		}
		jdbc.sql(INSERT_PRODUCT).param("code", code).param("name", name).update();
		reloadOnCommit();
		return new Product(code, Objects.requireNonNull(name));
	}

	/** A new plan, on sale at once. {@code 409 PLAN_EXISTS} when the code is taken. */
	@Transactional
	public Plan createPlan(NewPlan p) {
		lockCatalog();
		Problems problems = new Problems();
		problems.code("code", p.code());
		problems.name("name", p.name());
		problems.products(p.products());
		if (p.term() == null) {
			problems.add("term", "is required");
		}
		else if (!Set.of("P1M", "P1Y").contains(p.term())) {
			problems.add("term", "must be P1M or P1Y");
		}
		if (p.priceAmount() == null && p.currency() == null) {
			problems.add("price", "is required");
		}
		else {
			problems.amount("price.amount", p.priceAmount());
			problems.currency("price.currency", p.currency());
		}
		problems.range("deviceLimit", p.deviceLimit(), 0, 1000, true);
		problems.range("moneyBackDays", p.moneyBackDays(), 0, 366, true);
		problems.range("trialDays", p.trialDays(), 0, 366, false);
		if (p.trialDays() != null && p.trialDays() > 0 && p.trialDays() < MIN_TRIAL_DAYS) {
			problems.add("trialDays", "a free trial lasts at least " + MIN_TRIAL_DAYS + " days, or none (0): the reminder "
					+ "before its first charge goes out " + MIN_TRIAL_DAYS + " days ahead (R-CARD-2)");
		}
		List<String> addOnTo = p.addOnTo() == null ? List.of() : p.addOnTo();
		problems.addOnTo(p.code(), addOnTo, false);
		if (!addOnTo.isEmpty() && p.trialDays() != null && p.trialDays() > 0) {
			problems.add("trialDays", "an add-on has no free trial (its base plan may have one)");
		}
		problems.range("retentionOffer.percentOff", p.retentionPercentOff(), 1, 90, false);
		problems.throwIfAny();
		if (catalog.find(Objects.requireNonNull(p.code())).isPresent()) {
			throw SubdeskException.of(CatalogErrorCode.PLAN_EXISTS, "A plan with the code " + p.code() + " exists");
		}
		jdbc.sql(INSERT_PLAN)
			.param("code", p.code())
			.param("name", p.name())
			.param("products", Objects.requireNonNull(p.products()).toArray(String[]::new))
			.param("term", p.term())
			.param("amount", p.priceAmount())
			.param("currency", p.currency())
			.param("devices", p.deviceLimit())
			.param("moneyBack", p.moneyBackDays())
			.param("addOnTo", addOnTo.toArray(String[]::new))
			.param("trial", p.trialDays() == null ? 0 : p.trialDays())
			.param("retention", p.retentionGiven() ? p.retentionPercentOff()
					: Integer.valueOf(Plan.DEMO_RETENTION_PERCENT_OFF))
			.update();
		return reloadedOnCommit(p.code());
	}

	/** Changes what may change in a plan customers have ({@link PlanChanges}); {@code 404} for an unknown plan. */
	@Transactional
	public Plan updatePlan(String code, PlanChanges changes) {
		Plan plan = requirePlan(code);
		lockCatalog();
		plan = catalog.forSale(code).orElse(plan);
		Problems problems = new Problems();
		if (changes.name() != null) {
			problems.name("name", changes.name());
		}
		problems.range("deviceLimit", changes.deviceLimit(), 0, 1000, false);
		problems.range("moneyBackDays", changes.moneyBackDays(), 0, 366, false);
		if (changes.moneyBackDays() != null && changes.moneyBackDays() < plan.moneyBackDays()) {
			problems.add("moneyBackDays", "can only grow (now %d): the charges already made were sold with that window"
				.formatted(plan.moneyBackDays()));
		}
		if (changes.addOnTo() != null) {
			if (!plan.isAddOn()) {
				problems.add("addOnTo", "a base plan stays a base plan (its subscriptions have no parent)");
			}
			else if (changes.addOnTo().isEmpty()) {
				problems.add("addOnTo", "an add-on stays an add-on: name at least one base plan");
			}
			else {
				problems.addOnTo(code, changes.addOnTo(), true);
			}
		}
		if (changes.retentionGiven()) {
			problems.range("retentionOffer.percentOff", changes.retentionPercentOff(), 1, 90, false);
		}
		problems.throwIfAny();
		jdbc.sql(UPDATE_PLAN)
			.param("code", code)
			.param("name", changes.name() != null ? changes.name() : plan.name())
			.param("devices", changes.deviceLimit() != null ? changes.deviceLimit() : plan.deviceLimit())
			.param("moneyBack", changes.moneyBackDays() != null ? changes.moneyBackDays() : plan.moneyBackDays())
			.param("addOnTo", (changes.addOnTo() != null ? changes.addOnTo() : plan.addOnTo()).toArray(String[]::new))
			.param("retention", changes.retentionGiven() ? changes.retentionPercentOff() : plan.retentionPercentOff())
			.update();
		return reloadedOnCommit(code);
	}

	/**
	 * Takes a plan off sale at {@code at} (the caller's clock: this module has none of its own); its subscriptions go
	 * on. {@code 409 PLAN_RETIRED} when it already is.
	 */
	@Transactional
	public Plan retire(String code, Instant at) {
		requirePlan(code);
		lockCatalog();
		int retired = jdbc.sql(RETIRE_PLAN).param("code", code).param("at", Timestamp.from(at)).update();
		if (retired == 0) {
			throw SubdeskException.of(CatalogErrorCode.PLAN_RETIRED, "The plan " + code + " is retired already");
		}
		return reloadedOnCommit(code);
	}

	/** A price in one more currency, from {@code at}. {@code 409 PRICE_EXISTS} when the plan has a price in it. */
	@Transactional
	public Plan addPrice(String code, @Nullable Long amount, @Nullable String currency, Instant at) {
		requirePlan(code);
		Problems problems = new Problems();
		problems.amount("amount", amount);
		problems.currency("currency", currency);
		problems.throwIfAny();
		lockCatalog();
		Plan plan = catalog.forSale(code).orElseThrow();
		if (plan.priceIn(Objects.requireNonNull(currency)).isPresent()) {
			throw SubdeskException.of(CatalogErrorCode.PRICE_EXISTS, "The plan " + code + " has a price in " + currency);
		}
		jdbc.sql(INSERT_PRICE)
			.param("code", code)
			.param("currency", currency)
			.param("amount", amount)
			.param("at", Timestamp.from(at))
			.update();
		return reloadedOnCommit(code);
	}

	/** {@code 404 NOT_FOUND} unless the plan exists (retired or not). */
	public Plan requirePlan(String code) {
		return catalog.forSale(code).orElseThrow(() -> SubdeskException.notFound("Plan", code));
	}

	/** Locks the version row: catalog changes from every node run one after the other. */
	private void lockCatalog() {
		jdbc.sql(LOCK_VERSION).query(Long.class).single();
		catalog.refreshIfChanged();
	}

	/**
	 * The plan as this transaction wrote it; this node's copy is reloaded once the change commits (never before: a
	 * change rolled back must not be seen).
	 */
	private Plan reloadedOnCommit(String code) {
		reloadOnCommit();
		return catalog.read(code).orElseThrow();
	}

	private void reloadOnCommit() {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			@Override
			public void afterCommit() {
				catalog.reload();
			}
		});
	}

	/** The field errors of one request, all reported at once as a {@code 400}. */
	private final class Problems {

		private final List<FieldError> errors = new ArrayList<>();

		void add(String field, String message) {
			errors.add(new FieldError(field, message));
		}

		void code(String field, @Nullable String code) {
			if (code == null) {
				add(field, "is required");
			}
			else if (!CODE.matcher(code).matches()) {
				add(field, "must be 1 to 63 lower-case letters, digits and '-', starting with a letter or digit");
			}
		}

		void name(String field, @Nullable String name) {
			if (name == null || name.isBlank()) {
				add(field, "is required");
			}
			else if (name.codePointCount(0, name.length()) > 200) {
				add(field, "must be 1 to 200 characters");
			}
		}

		void products(@Nullable List<String> products) {
			if (products == null || products.isEmpty()) {
				add("products", "must name at least one product");
				return;
			}
			if (new HashSet<>(products).size() != products.size()) {
				add("products", "names a product twice");
			}
			products.stream()
				.filter(product -> catalog.product(product).isEmpty())
				.forEach(product -> add("products", "no such product: " + product));
		}

		void addOnTo(@Nullable String self, List<String> bases, boolean existing) {
			if (new HashSet<>(bases).size() != bases.size()) {
				add("addOnTo", "names a plan twice");
			}
			for (String base : bases) {
				if (base.equals(self) && existing) {
					add("addOnTo", "a plan cannot be an add-on to itself");
					continue;
				}
				catalog.find(base).ifPresentOrElse(plan -> {
					if (plan.isAddOn()) {
						add("addOnTo", base + " is an add-on: an add-on attaches to base plans only");
					}
				}, () -> add("addOnTo", "no such plan: " + base));
			}
		}

		void amount(String field, @Nullable Long amount) {
			if (amount == null) {
				add(field, "is required");
			}
			else if (amount <= 0) {
				add(field, "must be a positive integer in the currency's minor unit");
			}
			else if (amount > MAX_PRICE) {
				add(field, "must be at most " + MAX_PRICE + " in the currency's minor unit");
			}
		}

		void currency(String field, @Nullable String currency) {
			if (currency == null) {
				add(field, "is required");
			}
			else if (!currency.matches("[A-Z]{3}") || Currency.getAvailableCurrencies()
				.stream()
				.noneMatch(c -> c.getCurrencyCode().equals(currency))) {
				add(field, "must be an ISO 4217 currency code such as USD or EUR");
			}
		}

		void range(String field, @Nullable Integer value, int min, int max, boolean required) {
			if (value == null) {
				if (required) {
					add(field, "is required");
				}
			}
			else if (value < min || value > max) {
				add(field, "must be an integer from %d to %d".formatted(min, max));
			}
		}

		void throwIfAny() {
			if (!errors.isEmpty()) {
				throw new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "The request is not valid: "
						+ String.join("; ", errors.stream().map(e -> e.field() + " " + e.message()).toList()), errors);
			}
		}
	}
}
