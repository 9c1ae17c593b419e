/* Energy and area scaling between technology nodes (docs/timing.md, "Node scaling"):
 * A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device
 * performance from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81. For each
 * node they fit the energy of an operation as a polynomial in the supply voltage,
 * a x vdd^2 + b x vdd + c, and give the area of a layout relative to other nodes; a figure at
 * one node scales to another by the ratio of the two. */
#include "arch/arch.h"

typedef struct NodeScaling {
  int64_t nm;
  double a, b, c; /* energy: a x vdd^2 + b x vdd + c */
  double area;    /* area relative to 45 nm */
} NodeScaling;

/* Largest node first. */
static const NodeScaling nodes[] = {
    {130, 7.171, -6.709, 2.904, 6.4},      {90, 4.762, -4.781, 2.092, 2.8},
    {65, 3.755, -4.398, 1.975, 1.5},       {45, 1.103, -0.362, 0.2767, 1},
    {32, 0.9559, -0.7823, 0.471, 0.46},    {20, 0.373, -0.1582, 0.04104, 0.21},
    {16, 0.2958, -0.1241, 0.03024, 0.19},  {14, 0.2363, -0.09675, 0.02239, 0.17},
    {10, 0.2068, -0.09311, 0.02375, 0.1},  {7, 0.1776, -0.09097, 0.02447, 0.059},
};
#define N_NODES ((int)(sizeof nodes / sizeof nodes[0]))

static double energy_at(const NodeScaling *n, double vdd) { return (n->a * vdd + n->b) * vdd + n->c; }
static double area_at(const NodeScaling *n, double vdd) {
  (void)vdd;
  return n->area;
}

/* A node's figure: the table's nearest end outside it, linear in nm between two nodes. */
static double scaled(int64_t nm, double vdd, double (*at)(const NodeScaling *, double)) {
  if (nm >= nodes[0].nm) return at(&nodes[0], vdd);
  if (nm <= nodes[N_NODES - 1].nm) return at(&nodes[N_NODES - 1], vdd);
  int i = 1;
  while (nodes[i].nm > nm) i++;
  const NodeScaling *big = &nodes[i - 1], *small = &nodes[i];
  double t = (double)(nm - small->nm) / (double)(big->nm - small->nm);
  return at(small, vdd) + t * (at(big, vdd) - at(small, vdd));
}

double np_node_energy(int64_t nm, double vdd) { return scaled(nm, vdd, energy_at); }
double np_node_area(int64_t nm) { return scaled(nm, 0, area_at); }
