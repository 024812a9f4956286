package dev.subdesk.catalog;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A plan to create, as typed (the API's body, the console's form): {@link CatalogAdmin#createPlan} checks every
 * field and names each one that is missing or wrong. {@code retentionPercentOff} null means no retention offer;
 * {@code retentionGiven} false leaves the demo policy's 25 % off.
 */
public record NewPlan(@Nullable String code, @Nullable String name, @Nullable List<String> products,
		@Nullable String term, @Nullable Long priceAmount, @Nullable String currency, @Nullable Integer deviceLimit,
		@Nullable Integer moneyBackDays, @Nullable List<String> addOnTo, @Nullable Integer trialDays,
		boolean retentionGiven, @Nullable Integer retentionPercentOff) {
}
