package dev.subdesk.jurisdictions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The rule table ({@code classpath:jurisdictions/rules.json}): the one place that says which consumer-law rules
 * apply to a customer. A customer's entry is found by country and region ({@code US-CA}, else {@code US-*} when a
 * region is given, else {@code US}, else the country's group such as {@code EU}, else {@code *}); an entry inherits
 * what it does not set from its parent. The compliance switches ({@code subdesk.compliance.*} properties) are part
 * of the table: a field {@code xyzWhen} or a notice's {@code when} names the switch that turns the rule on. The
 * table is read and checked at start-up: an unknown field, parent, switch or notice type stops the application, and
 * so does a {@link ScheduledNotice} the table does not schedule.
 */
@Service
public class Jurisdictions {

	/** The table's entry for customers no other entry names. */
	public static final String EVERYWHERE = "*";

	private static final String RESOURCE = "jurisdictions/rules.json";

	private static final Set<String> FIELDS = Set.of("id", "parent", "name", "countries", "consentRequired",
			"separateConsentCheckbox", "retentionOffers", "withdrawalDays", "terminationWithoutNotice",
			"terminationWithoutNoticeWhen", "calendarDates", "cancelDeadline", "priceIncreaseConsent", "rules",
			"withdrawalDaysWhen", "renewalWithdrawalWhen", "switchedRules");

	private final Map<String, Boolean> switches;
	private final Map<String, JurisdictionRules> byId;
	private final Map<String, String> groupOfCountry;
	private final List<NoticeRule> notices;

	@org.springframework.beans.factory.annotation.Autowired
	Jurisdictions(Environment environment) {
		this(read(), name -> environment.getProperty(name, Boolean.class, false));
	}

	/** A table read from {@code table} with switch properties answered by {@code property} (for tests). */
	public Jurisdictions(JsonNode table, java.util.function.Function<String, Boolean> property) {
		Map<String, Boolean> on = new LinkedHashMap<>();
		table.path("switches").properties().forEach(e -> on.put(e.getKey(),
				property.apply(required(e.getValue(), "property").asString())));
		this.switches = Map.copyOf(on);
		Map<String, JsonNode> raw = new LinkedHashMap<>();
		Map<String, String> groups = new HashMap<>();
		for (JsonNode entry : table.path("jurisdictions")) {
			String id = required(entry, "id").asString();
			entry.propertyNames().forEach(field -> {
				if (!FIELDS.contains(field)) {
					throw new IllegalStateException("Unknown field %s in the rule table's entry %s".formatted(field, id));
				}
			});
			if (raw.put(id, entry) != null) {
				throw new IllegalStateException("The rule table names " + id + " twice");
			}
			for (JsonNode country : entry.path("countries")) {
				groups.put(country.asString(), id);
			}
		}
		if (!raw.containsKey(EVERYWHERE)) {
			throw new IllegalStateException("The rule table has no entry " + EVERYWHERE);
		}
		Map<String, JurisdictionRules> resolved = new LinkedHashMap<>();
		raw.keySet().forEach(id -> resolved.put(id, resolve(id, flatten(id, raw))));
		this.byId = Map.copyOf(resolved);
		this.groupOfCountry = Map.copyOf(groups);
		List<NoticeRule> schedule = new ArrayList<>();
		for (JsonNode notice : table.path("notices")) {
			String when = notice.path("when").asString(null);
			int daysBefore = required(notice, "daysBefore").asInt();
			NoticeRule rule = new NoticeRule(kind(required(notice, "type").asString()), daysBefore,
					notice.path("minDaysBefore").asInt(daysBefore), strings(notice.path("terms")),
					strings(notice.path("rules")), when == null || switchOn(when),
					notice.path("promotionEnding").asBoolean(false));
			if (rule.promotionEnding() && rule.type() != ScheduledNotice.UPCOMING_CHARGE) {
				throw new IllegalStateException("The rule table's notice for a promotion's end must be an UPCOMING_CHARGE: "
						+ rule.type());
			}
			if (rule.promotionEnding() && schedule.stream().anyMatch(NoticeRule::promotionEnding)) {
				throw new IllegalStateException("The rule table schedules two notices for a promotion's end");
			}
			schedule.add(rule);
		}
		Set<ScheduledNotice> unscheduled = EnumSet.allOf(ScheduledNotice.class);
		schedule.forEach(n -> unscheduled.remove(n.type()));
		if (!unscheduled.isEmpty()) {
			throw new IllegalStateException("The rule table schedules no notice of type " + unscheduled);
		}
		this.notices = List.copyOf(schedule);
	}

	private static JsonNode read() {
		try (InputStream in = new ClassPathResource(RESOURCE).getInputStream()) {
			return JsonMapper.builder().build().readTree(in);
		}
		catch (IOException e) {
			throw new UncheckedIOException("Cannot read the rule table " + RESOURCE, e);
		}
	}

	/** The rules for a customer in {@code country} (ISO 3166-1 alpha-2) and {@code region} (ISO 3166-2, no prefix). */
	public JurisdictionRules forCustomer(String country, @Nullable String region) {
		if (region != null && !region.isBlank()) {
			JurisdictionRules exact = byId.get(country + "-" + region);
			if (exact != null) {
				return exact;
			}
			JurisdictionRules anyRegion = byId.get(country + "-*");
			if (anyRegion != null) {
				return anyRegion;
			}
		}
		JurisdictionRules ofCountry = byId.get(country);
		if (ofCountry != null) {
			return ofCountry;
		}
		String group = groupOfCountry.get(country);
		return byId.get(group == null ? EVERYWHERE : group);
	}

	/**
	 * {@code forCustomer(country, region).servesAnyOf(ruleIds)} as an SQL condition on the columns (or expressions)
	 * {@code country} and {@code region}, for a query that must pick the customers a rule serves rather than read
	 * every one (the notice of a promotion's end, R-CA-6). The same resolution: the region's entry, else the country's
	 * any-region entry when a region is given, else the country's, else its group's, else {@link #EVERYWHERE}. The
	 * table's entry ids are written into the condition as literals (the table is fixed at start-up).
	 */
	public String servesAnyOfSql(java.util.Collection<String> ruleIds, String country, String region) {
		java.util.function.Function<java.util.Collection<String>, String> array = ids -> ids.stream()
			.sorted()
			.map(id -> "'" + id.replace("'", "''") + "'")
			.collect(java.util.stream.Collectors.joining(", ", "ARRAY[", "]::text[]"));
		String all = array.apply(byId.keySet());
		String serving = array.apply(byId.values().stream().filter(r -> r.servesAnyOf(ruleIds)).map(JurisdictionRules::id).toList());
		List<String> grouped = groupOfCountry.keySet().stream().toList();
		List<String> servedByGroup = groupOfCountry.entrySet().stream()
			.filter(e -> byId.get(e.getValue()).servesAnyOf(ruleIds))
			.map(Map.Entry::getKey)
			.toList();
		String regionGiven = "coalesce(%s, '') ~ '\\S'".formatted(region);
		String exact = "(%s || '-' || %s)".formatted(country, region);
		String anyRegion = "(%s || '-*')".formatted(country);
		return ("(CASE WHEN %1$s AND %2$s = ANY(%4$s) THEN %2$s = ANY(%5$s)"
				+ " WHEN %1$s AND %3$s = ANY(%4$s) THEN %3$s = ANY(%5$s)"
				+ " WHEN %6$s = ANY(%4$s) THEN %6$s = ANY(%5$s)"
				+ " WHEN %6$s = ANY(%7$s) THEN %6$s = ANY(%8$s)"
				+ " ELSE %9$s END)").formatted(regionGiven, exact, anyRegion, all, serving, country,
						array.apply(grouped), array.apply(servedByGroup),
						byId.get(EVERYWHERE).servesAnyOf(ruleIds) ? "true" : "false");
	}

	/** Every entry of the table, resolved. */
	public Map<String, JurisdictionRules> all() {
		return byId;
	}

	/** The notice schedule every customer gets (the strictest rule's timing, one schedule for all). */
	public List<NoticeRule> notices() {
		return notices;
	}

	/**
	 * Whether a notice of this type is on for everyone (a notice behind a switch is off while its switch is; the
	 * notice for a promotion's end, {@link #promotionEndingNotice}, does not count).
	 */
	public boolean noticeActive(ScheduledNotice type) {
		return notices.stream().anyMatch(n -> n.type() == type && n.active() && !n.promotionEnding());
	}

	/**
	 * The notice before a renewal that ends a promotional price (an accepted retention discount) for the terms it
	 * names, for customers whose jurisdiction lists one of its rules (R-CA-6: 3 to 21 days before the promotion ends);
	 * empty if the table has none or it is switched off.
	 */
	public java.util.Optional<NoticeRule> promotionEndingNotice() {
		return notices.stream().filter(n -> n.promotionEnding() && n.active()).findFirst();
	}

	/** The days ahead of the event that a notice of this type goes out for this term ({@code P1Y}, {@code P1M}). */
	public int daysBefore(ScheduledNotice type, String term) {
		return rule(type, term).daysBefore();
	}

	/**
	 * The fewest days ahead of the event that a notice of this type, sent late, still serves its rules for this term
	 * (the near end of their window: R-CA-8's 7-30 days for a price change); {@link #daysBefore} unless the table says.
	 */
	public int minDaysBefore(ScheduledNotice type, String term) {
		return rule(type, term).minDaysBefore();
	}

	private NoticeRule rule(ScheduledNotice type, String term) {
		return notices.stream()
			.filter(n -> n.type() == type && n.terms().contains(term) && !n.promotionEnding())
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("The rule table has no " + type + " notice for " + term));
	}

	/** The compliance switches by name, with their current value. */
	public Map<String, Boolean> switches() {
		return switches;
	}

	private boolean switchOn(String name) {
		Boolean on = switches.get(name);
		if (on == null) {
			throw new IllegalStateException("The rule table names an unknown switch " + name);
		}
		return on;
	}

	/** The entry with everything it inherits, the nearest setting winning. */
	private static ObjectNode flatten(String id, Map<String, JsonNode> raw) {
		List<JsonNode> chain = new ArrayList<>();
		String at = id;
		while (at != null) {
			JsonNode entry = raw.get(at);
			if (entry == null) {
				throw new IllegalStateException("The rule table's entry %s has an unknown parent %s".formatted(id, at));
			}
			if (chain.contains(entry)) {
				throw new IllegalStateException("The rule table's entry " + id + " inherits from itself");
			}
			chain.add(entry);
			at = entry.path("parent").asString(null);
		}
		ObjectNode merged = JsonMapper.builder().build().createObjectNode();
		for (int i = chain.size() - 1; i >= 0; i--) {
			chain.get(i).properties().forEach(e -> merged.set(e.getKey(), e.getValue()));
		}
		return merged;
	}

	private JurisdictionRules resolve(String id, ObjectNode e) {
		String withoutNoticeWhen = e.path("terminationWithoutNoticeWhen").asString(null);
		boolean withoutNotice = withoutNoticeWhen != null ? switchOn(withoutNoticeWhen)
				: required(e, "terminationWithoutNotice").asBoolean();
		// a right of withdrawal behind a switch (R-UK-5) is none while the switch is off
		String withdrawalWhen = e.path("withdrawalDaysWhen").asString(null);
		int withdrawalDays = withdrawalWhen != null && !switchOn(withdrawalWhen) ? 0 : required(e, "withdrawalDays").asInt();
		String afterRenewalWhen = e.path("renewalWithdrawalWhen").asString(null);
		List<String> rules = strings(e.path("rules"));
		e.path("switchedRules").properties().forEach(switched -> {
			if (switchOn(switched.getKey())) {
				rules.addAll(strings(switched.getValue()));
			}
		});
		return new JurisdictionRules(id, required(e, "name").asString(), required(e, "consentRequired").asBoolean(),
				required(e, "separateConsentCheckbox").asBoolean(),
				JurisdictionRules.OfferRule.valueOf(required(e, "retentionOffers").asString()),
				withdrawalDays, afterRenewalWhen != null && switchOn(afterRenewalWhen), withoutNotice,
				required(e, "calendarDates").asBoolean(), required(e, "cancelDeadline").asBoolean(), rules,
				required(e, "priceIncreaseConsent").asBoolean());
	}

	private static ScheduledNotice kind(String type) {
		try {
			return ScheduledNotice.valueOf(type);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalStateException("The rule table names an unknown notice type %s (known: %s)"
				.formatted(type, Arrays.toString(ScheduledNotice.values())), e);
		}
	}

	private static JsonNode required(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			throw new IllegalStateException("The rule table misses %s in %s".formatted(field, node));
		}
		return value;
	}

	private static List<String> strings(JsonNode array) {
		List<String> out = new ArrayList<>();
		array.forEach(n -> out.add(n.asString()));
		return out;
	}
}
