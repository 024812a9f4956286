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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** The catalog, read once at start-up (it is read-only in v1). */
@Service
public class Catalog {

	private static final String SELECT_PLANS = """
			SELECT code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to, trial_days
			FROM plans ORDER BY position
			""";

	/** The German display names of the plans ({@code catalog/names_de.properties}), by plan code. */
	private static final Map<String, String> GERMAN_NAMES = germanNames();

	private final Map<String, Plan> plans;

	Catalog(JdbcClient jdbc) {
		Map<String, Plan> loaded = new LinkedHashMap<>();
		jdbc.sql(SELECT_PLANS).query(Catalog::map).list().forEach(plan -> loaded.put(plan.code(), plan));
		this.plans = java.util.Collections.unmodifiableMap(loaded);
	}

	/** Every plan, in catalog order. */
	public List<Plan> plans() {
		return List.copyOf(plans.values());
	}

	public Optional<Plan> find(String code) {
		return Optional.ofNullable(plans.get(code));
	}

	/** A plan known to exist (a subscription's own plan). */
	public Plan get(String code) {
		return find(code).orElseThrow(() -> new IllegalStateException("Unknown plan " + code));
	}

	/**
	 * A plan's display name in a language: the German translation for German ({@code catalog/names_de.properties}),
	 * the catalog's name otherwise and for a plan without a translation.
	 */
	public String name(String code, Locale locale) {
		String catalogName = get(code).name();
		return "de".equals(locale.getLanguage()) ? GERMAN_NAMES.getOrDefault(code, catalogName) : catalogName;
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
		Map<String, String> byCode = new java.util.HashMap<>();
		names.stringPropertyNames().forEach(code -> byCode.put(code, names.getProperty(code)));
		return Map.copyOf(byCode);
	}

	private static Plan map(ResultSet rs, int row) throws SQLException {
		return new Plan(rs.getString("code"), rs.getString("name"), strings(rs.getArray("products")),
				Term.parse(rs.getString("term")), Money.of(rs.getLong("price_amount"), rs.getString("currency")),
				rs.getInt("device_limit"), rs.getInt("money_back_days"), strings(rs.getArray("add_on_to")),
				rs.getInt("trial_days"));
	}

	private static List<String> strings(Array array) throws SQLException {
		return List.copyOf(Arrays.asList((String[]) array.getArray()));
	}
}
