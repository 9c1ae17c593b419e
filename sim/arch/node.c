/* Energy scaling between technology nodes (docs/timing.md, "Node scaling"): A. Stillmaker and
 * B. Baas, "Scaling equations for the accurate prediction of CMOS device performance from
 * 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81. For each node they fit the
 * energy of an operation as a polynomial in the supply voltage, a x vdd^2 + b x vdd + c; an
 * energy measured at one node and voltage scales to another by the ratio of the two. */
#include "arch/arch.h"

typedef struct NodeEnergy {
  int64_t nm;
  double a, b, c;
} NodeEnergy;

/* Largest node first. */
static const NodeEnergy nodes[] = {
    {130, 7.171, -6.709, 2.904},   {90, 4.762, -4.781, 2.092},    {65, 3.755, -4.398, 1.975},
    {45, 1.103, -0.362, 0.2767},   {32, 0.9559, -0.7823, 0.471},  {20, 0.373, -0.1582, 0.04104},
    {16, 0.2958, -0.1241, 0.03024}, {14, 0.2363, -0.09675, 0.02239}, {10, 0.2068, -0.09311, 0.02375},
    {7, 0.1776, -0.09097, 0.02447},
};
#define N_NODES ((int)(sizeof nodes / sizeof nodes[0]))

static double at(const NodeEnergy *n, double vdd) { return (n->a * vdd + n->b) * vdd + n->c; }

double np_node_energy(int64_t nm, double vdd) {
  if (nm >= nodes[0].nm) return at(&nodes[0], vdd);
  if (nm <= nodes[N_NODES - 1].nm) return at(&nodes[N_NODES - 1], vdd);
  int i = 1;
  while (nodes[i].nm > nm) i++;
  const NodeEnergy *big = &nodes[i - 1], *small = &nodes[i];
  double t = (double)(nm - small->nm) / (double)(big->nm - small->nm);
  return at(small, vdd) + t * (at(big, vdd) - at(small, vdd));
}
