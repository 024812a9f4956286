package dev.subdesk.console;

import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.CatalogAdmin;
import dev.subdesk.catalog.NewPlan;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.PlanChanges;
import dev.subdesk.catalog.PriceChange;
import dev.subdesk.catalog.Product;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.support.AuditTrail;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ADMINs' catalog page: every plan with its prices and status, a new plan, a new product, a price in another
 * currency, and retiring a plan. The rules are the catalog module's ({@link CatalogAdmin}), the same as the API's;
 * every change is in the audit trail with the admin's name.
 */
@Controller("consoleCatalogController")
class CatalogController {

	/** One plan as the page shows it. */
	record PlanRow(String code, String name, String products, String term, String prices, int deviceLimit,
			int moneyBackDays, String addOnTo, int trialDays, String retentionOffer, boolean retired,
			String currency, List<String> priceChanges, List<String> addOnToCodes, @Nullable Integer percentOff) {

		static PlanRow of(Plan p, List<PriceChange> changes) {
			return new PlanRow(p.code(), p.name(), String.join(", ", p.products()), p.term().name(),
					p.prices().stream().map(Formats::money).collect(Collectors.joining(", ")), p.deviceLimit(),
					p.moneyBackDays(), p.addOnTo().isEmpty() ? "—" : String.join(", ", p.addOnTo()), p.trialDays(),
					p.retentionOffer().map(percent -> percent + "% off the next renewal").orElse("None"),
					p.retired(), p.price().currency(), changes.stream().map(PlanRow::describe).toList(), p.addOnTo(),
					p.retentionOffer().orElse(null));
		}

		public boolean addOn() {
			return !addOnToCodes.isEmpty();
		}

		private static String describe(PriceChange c) {
			return Formats.money(c.price()) + " from " + LocalDate.ofInstant(c.effectiveFrom(), ZoneOffset.UTC)
					+ (c.existingSubscribers() == PriceChange.Existing.MOVE
							? ", existing subscribers too (each told ahead, as their jurisdiction asks)"
							: ", new purchases only (existing subscribers keep their price)");
		}
	}

	/**
	 * The new-plan form as typed: numbers stay text until checked, so a typo is a message, not an error page. It goes
	 * back to the page in a flash attribute, which the database-backed session serializes.
	 */
	record PlanForm(@Nullable String code, @Nullable String name, @Nullable List<String> products,
			@Nullable String term, @Nullable String amount, @Nullable String currency, @Nullable String deviceLimit,
			@Nullable String moneyBackDays, @Nullable List<String> addOnTo, @Nullable String trialDays,
			@Nullable String percentOff) implements java.io.Serializable {

		static PlanForm empty() {
			return new PlanForm("", "", List.of(), "P1Y", "", "USD", "3", "30", List.of(), "0",
					String.valueOf(Plan.DEMO_RETENTION_PERCENT_OFF));
		}
	}

	private final Catalog catalog;
	private final CatalogAdmin admin;
	private final SubscriptionPriceChanges priceChanges;
	private final AuditTrail audit;
	private final AgentLog log;
	private final Clock clock;

	CatalogController(Catalog catalog, CatalogAdmin admin, SubscriptionPriceChanges priceChanges, AuditTrail audit,
			AgentLog log, Clock clock) {
		this.catalog = catalog;
		this.admin = admin;
		this.priceChanges = priceChanges;
		this.audit = audit;
		this.log = log;
		this.clock = clock;
	}

	@GetMapping("/console/catalog")
	String page(Model model) {
		List<Plan> plans = catalog.plans();
		model.addAttribute("plans", plans.stream().map(p -> PlanRow.of(p, priceChanges.forPlan(p.code()))).toList());
		model.addAttribute("products", catalog.products());
		model.addAttribute("basePlans", plans.stream().filter(p -> !p.isAddOn()).map(Plan::code).toList());
		if (!model.containsAttribute("form")) {
			model.addAttribute("form", PlanForm.empty());
		}
		return "console/catalog";
	}

	@PostMapping("/console/catalog/plans")
	String createPlan(@ModelAttribute PlanForm form, Principal who, RedirectAttributes redirect) {
		try {
			String percent = blankToNull(form.percentOff());
			NewPlan asked = new NewPlan(blankToNull(form.code()), blankToNull(form.name()),
					form.products() == null ? List.of() : form.products(), form.term(),
					number("price.amount", form.amount()), upper(form.currency()),
					integer("deviceLimit", form.deviceLimit()), integer("moneyBackDays", form.moneyBackDays()),
					form.addOnTo(), integer("trialDays", form.trialDays()), true,
					integer("retentionOffer.percentOff", percent));
			Plan plan = log.inOneTransaction(() -> {
				Plan created = admin.createPlan(asked);
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PLAN_CREATED", created.code(),
						created.name() + ", " + Formats.money(created.price()) + " " + created.term(), null, "catalog");
				return created;
			});
			redirect.addFlashAttribute("message", "Plan " + plan.code() + " is on sale.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
			redirect.addFlashAttribute("form", form);
		}
		return "redirect:/console/catalog";
	}

	@PostMapping("/console/catalog/products")
	String createProduct(@RequestParam(required = false) @Nullable String code,
			@RequestParam(required = false) @Nullable String name, Principal who, RedirectAttributes redirect) {
		try {
			Product product = log.inOneTransaction(() -> {
				Product created = admin.createProduct(blankToNull(code), blankToNull(name));
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PRODUCT_CREATED", created.code(), created.name(),
						null, "catalog");
				return created;
			});
			redirect.addFlashAttribute("message", "Product " + product.code() + " exists now.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
		}
		return "redirect:/console/catalog";
	}

	@PostMapping("/console/catalog/plans/{code}/prices")
	String addPrice(@PathVariable String code, @RequestParam(required = false) @Nullable String amount,
			@RequestParam(required = false) @Nullable String currency, Principal who, RedirectAttributes redirect) {
		try {
			Long minor = number("amount", amount);
			log.inOneTransaction(() -> {
				Plan plan = admin.addPrice(code, minor, upper(currency), clock.instant());
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PRICE_ADDED", code,
						Formats.money(plan.priceIn(upper(currency)).orElseThrow()), null, "catalog");
			});
			redirect.addFlashAttribute("message", "Plan " + code + " has a price in " + upper(currency) + " now.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
		}
		return "redirect:/console/catalog";
	}

	/**
	 * Changes what may change in a plan customers already have (the catalog module's rules, as {@code PATCH
	 * /api/v1/plans/{code}}): the name, the seats of new purchases, a longer money-back window, an add-on's base plans
	 * and the retention offer (blank: none).
	 */
	@PostMapping("/console/catalog/plans/{code}")
	String editPlan(@PathVariable String code, @RequestParam(required = false) @Nullable String name,
			@RequestParam(required = false) @Nullable String deviceLimit,
			@RequestParam(required = false) @Nullable String moneyBackDays,
			@RequestParam(required = false) @Nullable List<String> addOnTo,
			@RequestParam(required = false) @Nullable String percentOff, Principal who, RedirectAttributes redirect) {
		try {
			Plan before = catalog.find(code).orElseThrow(() -> SubdeskException.notFound("Plan", code));
			PlanChanges changes = new PlanChanges(blankToNull(name), integer("deviceLimit", deviceLimit),
					integer("moneyBackDays", moneyBackDays),
					before.isAddOn() ? (addOnTo == null ? List.of() : addOnTo) : null, true,
					integer("retentionOffer.percentOff", blankToNull(percentOff)));
			log.inOneTransaction(() -> {
				Plan plan = admin.updatePlan(code, changes);
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PLAN_CHANGED", code,
						"%s; %d devices; %d money-back days; offer %s".formatted(plan.name(), plan.deviceLimit(),
								plan.moneyBackDays(), plan.retentionOffer().map(p -> p + "% off").orElse("none")),
						null, "catalog");
			});
			redirect.addFlashAttribute("message", "Plan " + code + " is changed.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
		}
		return "redirect:/console/catalog";
	}

	/**
	 * Schedules a new base price (the rules and the notices to subscribers are {@link SubscriptionPriceChanges}', the
	 * same as {@code POST /api/v1/plans/{code}/price-changes}); the day starts at 00:00 UTC.
	 */
	@PostMapping("/console/catalog/plans/{code}/price-changes")
	String schedulePriceChange(@PathVariable String code, @RequestParam(required = false) @Nullable String amount,
			@RequestParam(required = false) @Nullable String effectiveFrom,
			@RequestParam(required = false) @Nullable String existingSubscribers, Principal who,
			RedirectAttributes redirect) {
		try {
			Plan plan = catalog.find(code).orElseThrow(() -> SubdeskException.notFound("Plan", code));
			Long minor = number("amount", amount);
			if (minor == null) {
				throw SubdeskException.invalid("amount", "is required");
			}
			Instant from = day("effectiveFrom", effectiveFrom);
			PriceChange.Existing existing = existing(existingSubscribers);
			PriceChange change = log.inOneTransaction(() -> {
				PriceChange scheduled = priceChanges.schedule(code, Money.of(minor, plan.price().currency()), from,
						existing, who.getName());
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PRICE_CHANGE_SCHEDULED", code,
						PlanRow.describe(scheduled), null, "catalog");
				return scheduled;
			});
			redirect.addFlashAttribute("message", "New price for " + code + ": " + PlanRow.describe(change) + ".");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
		}
		return "redirect:/console/catalog";
	}

	@PostMapping("/console/catalog/plans/{code}/retire")
	String retire(@PathVariable String code, Principal who, RedirectAttributes redirect) {
		try {
			log.inOneTransaction(() -> {
				admin.retire(code, clock.instant());
				audit.record(who.getName(), AgentLog.CHANNEL, "CATALOG_PLAN_RETIRED", code, null, null, "catalog");
			});
			redirect.addFlashAttribute("message", "Plan " + code + " is retired: sold no more, its subscriptions go on.");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", message(e));
		}
		return "redirect:/console/catalog";
	}

	private static Instant day(String field, @Nullable String text) {
		String value = blankToNull(text);
		if (value == null) {
			throw SubdeskException.invalid(field, "is required");
		}
		try {
			return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
		}
		catch (DateTimeParseException e) {
			throw SubdeskException.invalid(field, "must be a day such as 2027-03-01");
		}
	}

	private static PriceChange.Existing existing(@Nullable String text) {
		try {
			return PriceChange.Existing.valueOf(text == null ? "" : text);
		}
		catch (IllegalArgumentException e) {
			throw SubdeskException.invalid("existingSubscribers", "must be MOVE or GRANDFATHER");
		}
	}

	private static @Nullable String blankToNull(@Nullable String text) {
		return text == null || text.isBlank() ? null : text.strip();
	}

	private static @Nullable String upper(@Nullable String text) {
		String value = blankToNull(text);
		return value == null ? null : value.toUpperCase(Locale.ROOT);
	}

	private static @Nullable Long number(String field, @Nullable String text) {
		String value = blankToNull(text);
		if (value == null) {
			return null;
		}
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException e) {
			throw SubdeskException.invalid(field, "must be a whole number (in the currency's minor unit for money)");
		}
	}

	private static @Nullable Integer integer(String field, @Nullable String text) {
		Long value = number(field, text);
		if (value != null && (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE)) {
			throw SubdeskException.invalid(field, "is out of range");
		}
		return value == null ? null : value.intValue();
	}

	private static String message(SubdeskException e) {
		if (e.errors().isEmpty()) {
			return e.getMessage() + ".";
		}
		return e.errors().stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; ")) + ".";
	}
}
