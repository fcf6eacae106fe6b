package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a vector's lanes in one fixed order, lane 0 first. FloatVector.reduceLanes(ADD) may
 * order the sum differently once compiled than when interpreted, so a result would depend on how
 * far the JIT had got (seen as training runs that were not bit-identical from one test order to
 * the next); this order is the same in both.
 */
public final class Lanes {
    private Lanes() {}

    public static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0, n = v.length(); i < n; i++) {
            s += v.lane(i);
        }
        return s;
    }
}
