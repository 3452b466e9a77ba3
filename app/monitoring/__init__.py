"""重大危险源 online monitoring: points, device tokens, readings, alarms, 包保责任人, 承诺公告."""
