/* The C quick start: check the version, classify a customer, read an error. */
#include <crmcore.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  crm_ladder_facts facts = CRM_LADDER_FACTS_INIT;
  const char* id = NULL;
  double c = 0.0;
  int rung = -1;
  if (CRM_CHECK_VERSION() != CRM_OK) {
    fprintf(stderr, "%s\n", crm_last_error());
    return 1;
  }
  facts.purchase_count = 6;
  facts.active_periods_in_window = 4;
  facts.referrals = 2;
  if (crm_ladder_rung(&facts, NULL, &rung) != CRM_OK ||
      crm_taxonomy_id(CRM_TAXONOMY_LADDER_RUNG, rung, &id) != CRM_OK) {
    fprintf(stderr, "%s\n", crm_last_error());
    return 1;
  }
  printf("crmcore %s: ladder rung %s\n", crm_version_string(), id);
  if (strcmp(id, "advocate") != 0) return 1;
  /* Errors are a status plus a message. */
  if (crm_satisfaction_ratio(1.0, 0.0, &c) != CRM_ERR_INVALID_ARGUMENT) return 1;
  printf("expected error: %s\n", crm_last_error());
  return 0;
}
