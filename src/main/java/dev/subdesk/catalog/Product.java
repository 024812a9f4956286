package dev.subdesk.catalog;

/** A product a plan gives access to ({@code antivirus}, {@code vpn}): what an entitlement names. */
public record Product(String code, String name) {
}
