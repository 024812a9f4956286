package dev.subdesk.catalog;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What may change in a plan that customers already have (null: unchanged). Its code, products, term, base price
 * and trial are fixed at creation: each subscription keeps the price it renews at, and its products are what it
 * was sold. {@code retentionGiven} says whether the retention offer changes ({@code retentionPercentOff} null: none).
 */
public record PlanChanges(@Nullable String name, @Nullable Integer deviceLimit, @Nullable Integer moneyBackDays,
		@Nullable List<String> addOnTo, boolean retentionGiven, @Nullable Integer retentionPercentOff) {
}
