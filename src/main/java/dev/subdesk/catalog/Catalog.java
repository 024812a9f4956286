package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * The catalog, held in memory and kept in step with the database: reads on hot paths (a renewal, a cancellation
 * quote) cost no query. Every change to the catalog's tables bumps the one-row {@code catalog_version} (a trigger,
 * whoever writes); each node compares it with its copy's version every {@code subdesk.catalog.refresh-interval}
 * (default 5 s) and reloads when they differ, so a change made on another node is seen here within that interval.
 * The node that makes a change reloads when it commits, and a sale ({@link #forSale}) checks the version first, so a
 * retired plan is never sold and a new plan is sold at once on every node.
 */
@Service
public class Catalog {

	private static final String SELECT_VERSION = "SELECT version FROM catalog_version";

	private static final String SELECT_PLANS = """
			SELECT code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to,
			       trial_days, status, retention_percent_off
			FROM plans ORDER BY position
			""";

	private static final String SELECT_PRICES = """
			SELECT plan_code, amount, currency FROM plan_prices ORDER BY plan_code, created_at, currency
			""";

	private static final String SELECT_PLAN = """
			SELECT code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to,
			       trial_days, status, retention_percent_off
			FROM plans WHERE code = :code
			""";

	private static final String SELECT_PLAN_PRICES = """
			SELECT plan_code, amount, currency FROM plan_prices WHERE plan_code = :code ORDER BY created_at, currency
			""";

	private static final String SELECT_PRODUCTS = "SELECT code, name FROM products ORDER BY position";

	/** The German display names of the plans ({@code catalog/names_de.properties}), by plan code. */
	private static final Map<String, String> GERMAN_NAMES = germanNames();

	/** One consistent copy of the catalog and the version it was read at. */
	private record Snapshot(long version, Map<String, Plan> plans, Map<String, Product> products) {
	}

	private final JdbcClient jdbc;

	private volatile Snapshot snapshot;

	Catalog(JdbcClient jdbc) {
		this.jdbc = jdbc;
		this.snapshot = load();
	}

	/** Every plan, retired ones included, in catalog order. */
	public List<Plan> plans() {
		return List.copyOf(snapshot.plans().values());
	}

	/** The plans on sale (not retired), in catalog order. */
	public List<Plan> plansForSale() {
		return snapshot.plans().values().stream().filter(Plan::forSale).toList();
	}

	/** Every product, in catalog order. */
	public List<Product> products() {
		return List.copyOf(snapshot.products().values());
	}

	public Optional<Product> product(String code) {
		return Optional.ofNullable(snapshot.products().get(code));
	}

	/** A plan, retired or not. A code this copy does not know makes it check the database once (a plan just made). */
	public Optional<Plan> find(String code) {
		Plan plan = snapshot.plans().get(code);
		if (plan == null && refreshIfChanged()) {
			plan = snapshot.plans().get(code);
		}
		return Optional.ofNullable(plan);
	}

	/**
	 * A plan as it is now in the database, for a decision that sells it (a purchase, a disclosure): one single-row
	 * read of the version, and a reload when it changed. Retired plans are returned too: the caller says why not.
	 */
	public Optional<Plan> forSale(String code) {
		refreshIfChanged();
		return Optional.ofNullable(snapshot.plans().get(code));
	}

	/** A plan known to exist (a subscription's own plan). */
	public Plan get(String code) {
		return find(code).orElseThrow(() -> new IllegalStateException("Unknown plan " + code));
	}

	/** The version of this node's copy ({@code catalog_version} when it was read). */
	public long version() {
		return snapshot.version();
	}

	/**
	 * Compares this copy's version with the database's and reloads when they differ; true when it reloaded. Runs
	 * every {@code subdesk.catalog.refresh-interval}; the one query it makes reads one row.
	 */
	public boolean refreshIfChanged() {
		long current = jdbc.sql(SELECT_VERSION).query(Long.class).single();
		if (current == snapshot.version()) {
			return false;
		}
		reload();
		return true;
	}

	/** The periodic check of {@link #refreshIfChanged}: how long another node's change takes to be seen here. */
	@Scheduled(fixedDelayString = "${subdesk.catalog.refresh-interval:PT5S}",
			initialDelayString = "${subdesk.catalog.refresh-interval:PT5S}")
	void refresh() {
		refreshIfChanged();
	}

	/** Reads the whole catalog again. The version is read first, so a copy is never newer than its version says. */
	synchronized void reload() {
		Snapshot loaded = load();
		if (loaded.version() >= snapshot.version()) {
			snapshot = loaded;
		}
	}

	/**
	 * A plan's display name in a language: the German translation for German ({@code catalog/names_de.properties}),
	 * the catalog's name otherwise and for a plan without a translation.
	 */
	public String name(String code, Locale locale) {
		String catalogName = get(code).name();
		return "de".equals(locale.getLanguage()) ? GERMAN_NAMES.getOrDefault(code, catalogName) : catalogName;
	}

	/** One plan as the database has it now, in the caller's transaction (its own change included); not cached. */
	Optional<Plan> read(String code) {
		Map<String, List<Money>> otherPrices = new HashMap<>();
		jdbc.sql(SELECT_PLAN_PRICES).param("code", code).query(rs -> {
			otherPrices.computeIfAbsent(rs.getString("plan_code"), c -> new ArrayList<>())
				.add(Money.of(rs.getLong("amount"), rs.getString("currency")));
		});
		return jdbc.sql(SELECT_PLAN).param("code", code).query((rs, row) -> map(rs, otherPrices)).optional();
	}

	private Snapshot load() {
		long version = jdbc.sql(SELECT_VERSION).query(Long.class).single();
		Map<String, List<Money>> otherPrices = new HashMap<>();
		jdbc.sql(SELECT_PRICES)
			.query(rs -> {
				otherPrices.computeIfAbsent(rs.getString("plan_code"), code -> new ArrayList<>())
					.add(Money.of(rs.getLong("amount"), rs.getString("currency")));
			});
		Map<String, Plan> plans = new LinkedHashMap<>();
		jdbc.sql(SELECT_PLANS)
			.query((rs, row) -> map(rs, otherPrices))
			.list()
			.forEach(plan -> plans.put(plan.code(), plan));
		Map<String, Product> products = new LinkedHashMap<>();
		jdbc.sql(SELECT_PRODUCTS)
			.query((rs, row) -> new Product(rs.getString("code"), rs.getString("name")))
			.list()
			.forEach(product -> products.put(product.code(), product));
		return new Snapshot(version, Collections.unmodifiableMap(plans), Collections.unmodifiableMap(products));
	}

	private static Map<String, String> germanNames() {
		Properties names = new Properties();
		try (InputStream in = Catalog.class.getResourceAsStream("/catalog/names_de.properties")) {
			if (in != null) {
				names.load(new InputStreamReader(in, StandardCharsets.UTF_8));
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		Map<String, String> byCode = new HashMap<>();
		names.stringPropertyNames().forEach(code -> byCode.put(code, names.getProperty(code)));
		return Map.copyOf(byCode);
	}

	private static Plan map(ResultSet rs, Map<String, List<Money>> otherPrices) throws SQLException {
		String code = rs.getString("code");
		Money price = Money.of(rs.getLong("price_amount"), rs.getString("currency"));
		List<Money> prices = new ArrayList<>();
		prices.add(price);
		otherPrices.getOrDefault(code, List.of()).stream().filter(p -> !p.currency().equals(price.currency()))
			.forEach(prices::add);
		int percentOff = rs.getInt("retention_percent_off");
		Integer retentionPercentOff = rs.wasNull() ? null : percentOff;
		return new Plan(code, rs.getString("name"), strings(rs.getArray("products")), Term.parse(rs.getString("term")),
				price, rs.getInt("device_limit"), rs.getInt("money_back_days"), strings(rs.getArray("add_on_to")),
				rs.getInt("trial_days"), prices, "RETIRED".equals(rs.getString("status")),
				retentionPercentOff);
	}

	private static List<String> strings(Array array) throws SQLException {
		return List.copyOf(Arrays.asList((String[]) array.getArray()));
	}
}
