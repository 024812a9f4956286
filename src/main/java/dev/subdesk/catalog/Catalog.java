package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** The catalog, read once at start-up (it is read-only in v1). */
@Service
public class Catalog {

	private static final String SELECT_PLANS = """
			SELECT code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to
			FROM plans ORDER BY position
			""";

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

	private static Plan map(ResultSet rs, int row) throws SQLException {
		return new Plan(rs.getString("code"), rs.getString("name"), strings(rs.getArray("products")),
				Term.parse(rs.getString("term")), Money.of(rs.getLong("price_amount"), rs.getString("currency")),
				rs.getInt("device_limit"), rs.getInt("money_back_days"), strings(rs.getArray("add_on_to")));
	}

	private static List<String> strings(Array array) throws SQLException {
		return List.copyOf(Arrays.asList((String[]) array.getArray()));
	}
}
