/**
 * Implementation shared by the stores and the guard: integer maths, the rule algorithms, calendar periods.
 * Not API: anything here may change in any release.
 */
package dev.tollgate.internal;
